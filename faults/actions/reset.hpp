#pragma once

#include "faults/action_info.hpp"
#include "faults/distribution.hpp"

namespace faultline::faults {

// Reset the client's TCP connection (SO_LINGER 0, then close). On a TCP rule, `after` the
// first data the connection carries, both sides are reset.
struct Reset {
  static constexpr ActionInfo info{"reset", true, Hook::before_upstream, "x-faultline-reset",
                                   "reset the client's TCP connection"};
  Duration after{0};  // TCP rules only
  bool operator==(const Reset&) const = default;
};

}  // namespace faultline::faults
