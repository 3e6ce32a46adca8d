// Parsing of the network addresses in the config: listen addresses ("host:port") and
// upstream URLs ("http://host:port"). Public so the command line (`faultline echo
// --listen`) accepts exactly what the config file does.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace faultline::config {

// "127.0.0.1:8080", "localhost:8080", "[::1]:8080"; port 0..65535 (0 = ephemeral).
// Returns an error message, or "" after storing the address in `out`.
std::string parse_listen_address(std::string_view text, HostPort& out);

// "http://host:port" or "http://host" (port 80); the path may only be empty or "/".
// Returns an error message, or "" after storing the target in `out`.
std::string parse_upstream_url(std::string_view text, UpstreamTarget& out);

}  // namespace faultline::config
