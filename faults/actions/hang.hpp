#pragma once

#include <optional>

#include "faults/action_info.hpp"
#include "faults/distribution.hpp"

namespace faultline::faults {

// Read the request, never answer; after `duration`, if given, close without a response.
struct Hang {
  static constexpr ActionInfo info{"hang", true, Hook::before_upstream, "",
                                   "accept the request and never answer"};
  std::optional<Duration> duration;
  bool operator==(const Hang&) const = default;
};

}  // namespace faultline::faults
