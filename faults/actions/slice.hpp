#pragma once

#include <cstdint>

#include "faults/action_info.hpp"
#include "faults/distribution.hpp"

namespace faultline::faults {

// TCP: cut what passes into slices of average_size ± size_variation bytes, `delay` after
// each (Toxiproxy's slicer).
struct Slice {
  static constexpr ActionInfo info{
      "slice",       false, Hook::tcp_stream, "", "cut TCP data into small, delayed slices",
      Protocols::tcp};
  std::uint64_t average_size = 1;
  std::uint64_t size_variation = 0;
  Duration delay{0};
  bool operator==(const Slice&) const = default;
};

}  // namespace faultline::faults
