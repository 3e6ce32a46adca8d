#pragma once

#include <cstdint>

#include "faults/action_info.hpp"

namespace faultline::faults {

// Close the connection after this many response body bytes.
struct Truncate {
  static constexpr ActionInfo info{"truncate", false, Hook::response_body, "",
                                   "close the connection after some body bytes"};
  std::uint64_t after_bytes = 0;
  bool operator==(const Truncate&) const = default;
};

}  // namespace faultline::faults
