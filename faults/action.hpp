// The registry of fault actions: every action a rule can carry, one settings struct per
// file in faults/actions/ (what to do, not how; proxy/ executes them), each declaring its
// ActionInfo. Adding an action is adding its file and one entry to `Action` below; every
// place that dispatches on actions visits them exhaustively, so the build names each
// place still missing the new one (README, "Adding a fault action").
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "faults/action_info.hpp"
#include "faults/actions/abort.hpp"
#include "faults/actions/corrupt.hpp"
#include "faults/actions/delay.hpp"
#include "faults/actions/hang.hpp"
#include "faults/actions/modify.hpp"
#include "faults/actions/reset.hpp"
#include "faults/actions/slice.hpp"
#include "faults/actions/slow_close.hpp"
#include "faults/actions/throttle.hpp"
#include "faults/actions/truncate.hpp"

namespace faultline::faults {

// In the order the config reference lists them.
using Action =
    std::variant<Delay, Abort, Reset, Hang, Throttle, Truncate, Corrupt, Modify, Slice, SlowClose>;

// Calls `visit.template operator()<A>()` for every action type A, in registry order.
template <class Visit>
constexpr void for_each_action_type(Visit&& visit) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (visit.template operator()<std::variant_alternative_t<I, Action>>(), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Action>>{});
}

inline constexpr auto kActionInfos = [] {
  std::array<ActionInfo, std::variant_size_v<Action>> infos{};
  std::size_t i = 0;
  for_each_action_type([&]<class A>() { infos[i++] = A::info; });
  return infos;
}();

inline const ActionInfo& info_of(const Action& action) {
  return kActionInfos[action.index()];
}

// "delay", "abort", ...: the config key and the `kind` label of faultline_faults_injected_total.
inline std::string_view kind_name(const Action& action) {
  return info_of(action).name;
}

// The registered action called `name`, or nullptr.
inline const ActionInfo* find_action(std::string_view name) {
  for (const auto& info : kActionInfos) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace faultline::faults
