#include "faults/plan.hpp"

#include <algorithm>
#include <limits>

#include "base/text.hpp"

namespace faultline::faults {
namespace {

// Delays are bounded by kDelayCeiling each, but a profile may hold many: never wrap.
Duration saturating_add(Duration a, Duration b) {
  constexpr auto kMax = Duration::max().count();
  return Duration(a.count() > kMax - b.count() ? kMax : a.count() + b.count());
}

Phase phase_of(const Action& action) {
  if (const auto* delay = std::get_if<Delay>(&action)) return delay->phase;
  return info_of(action).hook == Hook::before_upstream ? Phase::request : Phase::response;
}

// How each action folds into a plan: one overload per registered action, so a new
// action that lacks one does not compile. Returns false when the action is moot.
struct Compose {
  FaultPlan& plan;
  Duration sampled_delay;
  Phase phase;

  bool operator()(const Delay&) const {
    Duration& total = phase == Phase::request ? plan.request_delay : plan.response_delay;
    total = saturating_add(total, sampled_delay);
    return true;
  }
  bool operator()(const Abort& a) const { return terminal(a); }
  bool operator()(const Reset& a) const { return terminal(a); }
  bool operator()(const Hang& a) const { return terminal(a); }
  // When several rules fire, the slowest throttle and the shortest truncate win;
  // corrupt counts add up.
  bool operator()(const Throttle& a) const {
    if (!plan.throttle || a.bytes_per_second < plan.throttle->bytes_per_second) plan.throttle = a;
    return true;
  }
  bool operator()(const Truncate& a) const {
    if (!plan.truncate || a.after_bytes < plan.truncate->after_bytes) plan.truncate = a;
    return true;
  }
  bool operator()(const Corrupt& a) const {
    if (!plan.corrupt) plan.corrupt = Corrupt{0};
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - plan.corrupt->bytes;
    plan.corrupt->bytes += std::min(a.bytes, room);
    return true;
  }

  bool operator()(const Modify& a) const {
    if (!plan.modify) plan.modify = Modify{};
    Modify& merged = *plan.modify;
    if (a.status) merged.status = a.status;
    if (a.body) merged.body = a.body;
    for (const auto& name : a.remove_headers) {
      std::erase_if(merged.set_headers,
                    [&](const auto& field) { return iequals(field.first, name); });
      merged.remove_headers.push_back(name);
    }
    for (const auto& field : a.set_headers) {
      std::erase_if(merged.set_headers,
                    [&](const auto& earlier) { return iequals(earlier.first, field.first); });
      merged.set_headers.push_back(field);
    }
    return true;
  }
  // TCP-only actions: the loader keeps them off HTTP rules.
  bool operator()(const Slice&) const { return false; }
  bool operator()(const SlowClose&) const { return false; }

  bool terminal(const TerminalAction& action) const {
    if (plan.terminal) return false;  // the first terminal wins
    plan.terminal = action;
    // What acted on the response is moot now: take it back out.
    plan.response_delay = Duration{0};
    plan.throttle.reset();
    plan.truncate.reset();
    plan.corrupt.reset();
    plan.modify.reset();
    std::erase_if(plan.applied, [](const AppliedFault& f) { return f.phase == Phase::response; });
    return true;
  }
};

}  // namespace

void FaultPlan::add(std::string_view rule, const Action& action, Duration sampled_delay) {
  const Phase phase = phase_of(action);
  if (terminal && phase == Phase::response) return;  // no response will come to act on
  const bool kept = std::visit(Compose{*this, sampled_delay, phase}, action);
  if (!kept) return;
  const Duration delay = std::holds_alternative<Delay>(action) ? sampled_delay : Duration{0};
  applied.push_back(AppliedFault{std::string(rule), kind_name(action), delay, phase});
}

std::string FaultPlan::injected_header() const {
  std::string value;
  for (const auto& fault : applied) {
    if (!value.empty()) value += ", ";
    value += fault.rule;
  }
  return value;
}

}  // namespace faultline::faults
