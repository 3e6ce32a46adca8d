// Settings a reload cannot change in a running process: sockets already bound, threads
// already started, files already open, windows already sized. A reload still applies
// everything else and names these, so nobody believes a change took effect that did not.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace faultline::config {

// The key paths ("server.listen", ...) whose value differs between the two configs and
// that take effect only on a restart.
std::vector<std::string> changed_restart_settings(const Config& running, const Config& loaded);

}  // namespace faultline::config
