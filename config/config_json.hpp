// The effective config as JSON, for GET /api/v1/config and GET /api/v1/profiles. The
// shape mirrors the TOML (same key names, durations as "40ms" strings) so what the API
// shows can be pasted back into a config file by hand; the admin token is never shown.
#pragma once

#include <boost/json/value.hpp>

#include "config/config.hpp"

namespace faultline::config {

boost::json::object config_json(const Config& config);

// One rule as written in the TOML: {"name", "probability", "match"?, "<action>": {...}}.
boost::json::object rule_json(const faults::Rule& rule);

}  // namespace faultline::config
