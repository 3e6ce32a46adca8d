#pragma once

#include <cstdint>

#include "faults/action_info.hpp"

namespace faultline::faults {

// Pace the response body to this rate.
struct Throttle {
  static constexpr ActionInfo info{"throttle", false, Hook::response_body, "x-faultline-throttle",
                                   "pace the response body to a rate"};
  std::uint64_t bytes_per_second = 0;
  bool operator==(const Throttle&) const = default;
};

}  // namespace faultline::faults
