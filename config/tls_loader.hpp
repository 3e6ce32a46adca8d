// The TLS keys of the config: [server] tls = { cert, key } and a route's tls_* keys.
// The files are loaded here, with the config, so a bad certificate is reported at its
// key (file:line:col) and a reload that cannot load one keeps the running config.
#pragma once

#include <string>

#include "config/config.hpp"
#include "toml/diagnostics.hpp"
#include "toml/table_reader.hpp"

namespace faultline::config {

// Relative paths in the config are taken from the config file's directory.
std::string resolve_config_path(const std::string& config_source, const std::string& path);

void read_server_tls(TableReader& server, Diagnostics& diagnostics, const std::string& source,
                     ServerConfig& out);

// After the route's upstream is read: tls_* keys are for https upstreams only.
void read_route_tls(TableReader& route, const toml::node* upstream_node, const std::string& source,
                    RouteConfig& out);

}  // namespace faultline::config
