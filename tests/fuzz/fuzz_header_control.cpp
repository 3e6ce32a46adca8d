// Header control (faults/header_control.hpp) on any header lines ("name: value", one per
// line). Beyond "no crash", the decisions a request can force on itself stay bounded:
// - at most one rule per control header, each named after it, in the documented order
//   (delays, throttles, then the terminal ones);
// - every delay is above 0 and at most 24 h, every throttle above 0 B/s, every abort
//   status a final one (200..599);
// - headers that are not control headers change nothing;
// - the plan decide() makes from them has at most one terminal action and a request
//   delay of at most 24 h per delay header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "faults/decide.hpp"
#include "faults/header_control.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace faults = faultline::faults;

// 0 delays, 1 throttles, 2 terminal actions: the order the rules must come in.
int rank(const faults::Action& action) {
  if (std::holds_alternative<faults::Delay>(action)) return 0;
  if (std::holds_alternative<faults::Throttle>(action)) return 1;
  return 2;
}

void check_rule(const faults::Rule& rule) {
  FUZZ_CHECK(rule.name.starts_with("header:"));
  FUZZ_CHECK(faults::is_control_header(std::string_view(rule.name).substr(7)));
  FUZZ_CHECK(rule.probability == 1.0);
  if (const auto* delay = std::get_if<faults::Delay>(&rule.action)) {
    const auto* fixed = std::get_if<faults::FixedDelay>(&delay->distribution.shape);
    FUZZ_CHECK(fixed != nullptr);
    FUZZ_CHECK(fixed->value.count() > 0 && fixed->value <= faults::kDelayCeiling);
    FUZZ_CHECK(delay->phase == faults::Phase::request);
  } else if (const auto* throttle = std::get_if<faults::Throttle>(&rule.action)) {
    FUZZ_CHECK(throttle->bytes_per_second > 0);
  } else if (const auto* abort = std::get_if<faults::Abort>(&rule.action)) {
    FUZZ_CHECK(abort->status >= 200 && abort->status <= 599);
  } else {
    FUZZ_CHECK(std::holds_alternative<faults::Reset>(rule.action));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  std::vector<faults::Header> headers;
  std::vector<faults::Header> control_only;
  while (!input.rest().empty() && headers.size() < 64) {
    const std::string_view line = input.line();
    const std::size_t colon = line.find(':');
    const faults::Header header{line.substr(0, colon),
                                colon == std::string_view::npos ? "" : line.substr(colon + 1)};
    headers.push_back(header);
    if (faults::is_control_header(header.name)) control_only.push_back(header);
  }

  const faults::HeaderControl control = faults::parse_header_control(headers);
  FUZZ_CHECK(control.rules.size() <= 7);
  FUZZ_CHECK(control.problems.size() <= headers.size());
  for (std::size_t i = 0; i < control.rules.size(); ++i) {
    check_rule(control.rules[i]);
    for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(control.rules[j].name != control.rules[i].name);
    if (i > 0) FUZZ_CHECK(rank(control.rules[i - 1].action) <= rank(control.rules[i].action));
  }
  for (const auto& problem : control.problems) FUZZ_CHECK(!problem.empty());

  const faults::HeaderControl filtered = faults::parse_header_control(control_only);
  FUZZ_CHECK(filtered.rules.size() == control.rules.size());
  for (std::size_t i = 0; i < control.rules.size(); ++i) {
    FUZZ_CHECK(filtered.rules[i].name == control.rules[i].name);
    FUZZ_CHECK(filtered.rules[i].action == control.rules[i].action);
  }
  FUZZ_CHECK(filtered.problems == control.problems);

  // The forced rules alone, on the profile that injects nothing.
  faults::Rng rng(1);
  const faults::RequestView view{"GET", "/", "fuzz.test", "fuzz", headers};
  const faults::FaultPlan plan =
      faults::decide(faults::Profile{"none", {}}, view, rng, control.rules);
  FUZZ_CHECK(plan.applied.size() <= control.rules.size());
  FUZZ_CHECK(plan.request_delay.count() >= 0 && plan.request_delay <= 2 * faults::kDelayCeiling);
  FUZZ_CHECK(plan.response_delay.count() == 0);
  if (plan.terminal) {
    if (const auto* abort = std::get_if<faults::Abort>(&*plan.terminal)) {
      FUZZ_CHECK(abort->status >= 200 && abort->status <= 599);
    }
    // A terminal action replaces the exchange: nothing is left to act on a response.
    FUZZ_CHECK(!plan.throttle && !plan.truncate && !plan.corrupt);
  }
  return 0;
}
