#pragma once

#include <string>
#include <utility>
#include <vector>

#include "faults/action_info.hpp"

namespace faultline::faults {

// Answer with `status` without contacting the upstream.
struct Abort {
  static constexpr ActionInfo info{"abort",
                                   true,
                                   Hook::before_upstream,
                                   "x-faultline-abort",
                                   "answer with a status without contacting the upstream",
                                   Protocols::http};
  int status = 503;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // (name, value)
  bool operator==(const Abort&) const = default;
};

}  // namespace faultline::faults
