#pragma once

#include "faults/action_info.hpp"
#include "faults/distribution.hpp"

namespace faultline::faults {

// TCP: when one side closes, pass the close on `delay` later (Toxiproxy's slow_close).
struct SlowClose {
  static constexpr ActionInfo info{
      "slow_close", false, Hook::tcp_stream, "", "delay passing a TCP close on", Protocols::tcp};
  Duration delay{0};
  bool operator==(const SlowClose&) const = default;
};

}  // namespace faultline::faults
