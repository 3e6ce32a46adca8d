#pragma once

#include "faults/action_info.hpp"

namespace faultline::faults {

// Reset the client's TCP connection (SO_LINGER 0, then close).
struct Reset {
  static constexpr ActionInfo info{"reset", true, Hook::before_upstream, "x-faultline-reset",
                                   "reset the client's TCP connection"};
  bool operator==(const Reset&) const = default;
};

}  // namespace faultline::faults
