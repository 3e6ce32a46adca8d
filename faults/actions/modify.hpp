#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faults/action_info.hpp"

namespace faultline::faults {

// Rewrite what the upstream answered before it reaches the client: its status, some
// header fields, or its whole body (the upstream's body is then read and dropped, and the
// client gets this one with its own Content-Length).
struct Modify {
  static constexpr ActionInfo info{"modify",
                                   false,
                                   Hook::response_head,
                                   "",
                                   "rewrite the upstream's status, headers or body",
                                   Protocols::http};
  std::optional<int> status;
  std::vector<std::pair<std::string, std::string>> set_headers;  // (name, value)
  std::vector<std::string> remove_headers;                       // names, lower case
  std::optional<std::string> body;
  bool operator==(const Modify&) const = default;
};

}  // namespace faultline::faults
