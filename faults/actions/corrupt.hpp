#pragma once

#include <cstdint>

#include "faults/action_info.hpp"

namespace faultline::faults {

// Flip this many randomly chosen bytes of the response body; its length stays the same.
struct Corrupt {
  static constexpr ActionInfo info{
      "corrupt",      false, Hook::response_body, "", "flip random bytes of the response body",
      Protocols::http};
  std::uint64_t bytes = 0;
  bool operator==(const Corrupt&) const = default;
};

}  // namespace faultline::faults
