#include "faults/action.hpp"

namespace faultline::faults {

FaultKind kind_of(const Action& action) {
  // The variant's alternatives are listed in FaultKind's order.
  static_assert(std::variant_size_v<Action> == 7);
  return static_cast<FaultKind>(action.index());
}

std::string_view kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::delay:
      return "delay";
    case FaultKind::abort:
      return "abort";
    case FaultKind::reset:
      return "reset";
    case FaultKind::hang:
      return "hang";
    case FaultKind::throttle:
      return "throttle";
    case FaultKind::truncate:
      return "truncate";
    case FaultKind::corrupt:
      return "corrupt";
  }
  return "unknown";
}

}  // namespace faultline::faults
