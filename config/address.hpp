// Parsing of the upstream URLs in the config ("http://host:port"); listen addresses are
// base/host_port.hpp's.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace faultline::config {

// "http://host:port" or "http://host" (port 80); the path may only be empty or "/".
// Returns an error message, or "" after storing the target in `out`.
std::string parse_upstream_url(std::string_view text, UpstreamTarget& out);

}  // namespace faultline::config
