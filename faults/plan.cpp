#include "faults/plan.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>

namespace faultline::faults {
namespace {

// Delays are bounded by kDelayCeiling each, but a profile may hold many: never wrap.
Duration saturating_add(Duration a, Duration b) {
  constexpr auto kMax = Duration::max().count();
  return Duration(a.count() > kMax - b.count() ? kMax : a.count() + b.count());
}

Phase phase_of(const Action& action) {
  if (const auto* delay = std::get_if<Delay>(&action)) return delay->phase;
  return is_terminal(kind_of(action)) ? Phase::request : Phase::response;
}

}  // namespace

void FaultPlan::add(std::string_view rule, const Action& action, Duration sampled_delay) {
  const Phase phase = phase_of(action);
  if (terminal && phase == Phase::response) return;  // no response will come to act on

  const FaultKind kind = kind_of(action);
  AppliedFault fault{std::string(rule), kind, Duration{0}, phase};
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Delay>) {
          fault.delay = sampled_delay;
          Duration& total = phase == Phase::request ? request_delay : response_delay;
          total = saturating_add(total, sampled_delay);
        } else if constexpr (std::is_same_v<A, Throttle>) {
          if (!throttle || a.bytes_per_second < throttle->bytes_per_second) throttle = a;
        } else if constexpr (std::is_same_v<A, Truncate>) {
          if (!truncate || a.after_bytes < truncate->after_bytes) truncate = a;
        } else if constexpr (std::is_same_v<A, Corrupt>) {
          if (!corrupt) corrupt = Corrupt{0};
          const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - corrupt->bytes;
          corrupt->bytes += std::min(a.bytes, room);
        } else {
          static_assert(std::is_same_v<A, Abort> || std::is_same_v<A, Reset> ||
                        std::is_same_v<A, Hang>);
          if (terminal) return;  // the first terminal wins
          terminal = a;
          // What acted on the response is moot now: take it back out.
          response_delay = Duration{0};
          throttle.reset();
          truncate.reset();
          corrupt.reset();
          std::erase_if(applied, [](const AppliedFault& f) { return f.phase == Phase::response; });
        }
        applied.push_back(std::move(fault));
      },
      action);
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
