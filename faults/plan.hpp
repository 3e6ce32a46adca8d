// A FaultPlan is what decide() returns and proxy/ executes: a plain value, the same for
// the same inputs, with no clock, socket or callback in it. Executing it, in order:
//
//   1. wait request_delay;
//   2. if `terminal` is set: abort (answer), reset or hang, and stop: the upstream is
//      never contacted;
//   3. forward the request and read the upstream's response header;
//   4. wait response_delay;
//   5. rewrite the response head (and body) as `modify` says;
//   6. send the response, its body paced by `throttle`, cut after `truncate` bytes, with
//      `corrupt` bytes flipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "faults/action.hpp"

namespace faultline::faults {

// One rule that fired: for x-faultline-injected, the access log and the metrics.
struct AppliedFault {
  std::string rule;
  std::string_view kind;  // the action's registered name (static storage)
  Duration delay{0};      // the sampled delay of a delay rule; 0 for the other kinds
  // When it acts: request for delays of phase request and for terminal actions;
  // response for response-phase delays and body actions.
  Phase phase = Phase::request;
  bool operator==(const AppliedFault&) const = default;
};

using TerminalAction = std::variant<Abort, Reset, Hang>;

template <class A, class Variant>
inline constexpr bool kIsAlternative = false;
template <class A, class... Ts>
inline constexpr bool kIsAlternative<A, std::variant<Ts...>> = (std::is_same_v<A, Ts> || ...);

// TerminalAction holds exactly the registry's terminal actions.
static_assert([] {
  bool same = true;
  for_each_action_type(
      [&]<class A>() { same = same && A::info.terminal == kIsAlternative<A, TerminalAction>; });
  return same;
}());

struct FaultPlan {
  Duration request_delay{0};   // sum of the request-phase delays that fired
  Duration response_delay{0};  // sum of the response-phase delays that fired
  std::optional<TerminalAction> terminal;
  // Body actions, on the upstream's response. When several rules fire, the slowest
  // throttle and the shortest truncate win; corrupt counts add up.
  std::optional<Throttle> throttle;
  std::optional<Truncate> truncate;
  std::optional<Corrupt> corrupt;
  // Rewrites of the upstream's response, merged in rule order: a later status or body
  // replaces an earlier one, header fields set later win, removals add up.
  std::optional<Modify> modify;
  std::vector<AppliedFault> applied;  // in rule order; exactly what the plan does

  bool empty() const { return applied.empty(); }

  // Composes one fired rule into the plan; `sampled_delay` is used for a Delay action.
  // The first terminal action wins: later terminals are skipped. A terminal action
  // replaces the upstream exchange, so what would act on the upstream's response
  // (response-phase delays, throttle, truncate, corrupt) is dropped, whether it fired
  // before or after the terminal, and is not listed in `applied`. Request-phase delays
  // stay: they are waited before the terminal action (as Envoy delays, then aborts).
  void add(std::string_view rule, const Action& action, Duration sampled_delay = Duration{0});

  // The x-faultline-injected value: the applied rule names joined by ", ".
  std::string injected_header() const;

  bool operator==(const FaultPlan&) const = default;
};

}  // namespace faultline::faults
