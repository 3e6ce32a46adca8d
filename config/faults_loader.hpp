// Internal to the loader: the rules of [faults.profiles], read strictly into
// faults::Profile values. Every problem becomes a Diagnostic at its place, with key paths
// like "faults.profiles.flaky[1].delay.mean".
#pragma once

#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "faults/rule.hpp"
#include "toml/table_reader.hpp"

namespace faultline::config::detail {

// Reads every profile of the [faults.profiles] table (`profiles` may be null: no
// profiles). `routes` are those a rule's match.route may name, `tcp` the proxies its
// match.tcp may name. Returns the profiles sorted by name, the built-in, empty "none"
// included.
std::vector<faults::Profile> read_fault_profiles(const toml::table* profiles,
                                                 const std::vector<RouteConfig>& routes,
                                                 const std::vector<TcpProxyConfig>& tcp,
                                                 Diagnostics& diagnostics);

}  // namespace faultline::config::detail
