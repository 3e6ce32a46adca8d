#pragma once

#include "faults/action_info.hpp"
#include "faults/distribution.hpp"

namespace faultline::faults {

enum class Phase {
  request,   // before the request is forwarded
  response,  // after the upstream answered, before the response goes to the client
};

// Wait a sampled time, before forwarding or (phase response) before answering.
struct Delay {
  static constexpr ActionInfo info{"delay", false, Hook::before_upstream, "x-faultline-delay",
                                   "wait a time drawn from a distribution"};
  Distribution distribution;
  Phase phase = Phase::request;
  bool operator==(const Delay&) const = default;
};

}  // namespace faultline::faults
