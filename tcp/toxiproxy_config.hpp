// The Toxiproxy API's proxies and toxics as faultline's effective config shows them
// (GET /api/v1/config of `faultline proxy` with [toxiproxy] listen): each proxy an entry of
// the `tcp` list like a [[tcp]] table, with "source": "toxiproxy" and its toxics as the TCP
// rules they are, written as a rule of the config is ({"name", "probability", "match":
// {"tcp"}, "stream", "<action>": {...}}), the upstream chain first, each in insertion order.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "tcp/proxy_collection.hpp"

namespace faultline::tcp {

// One toxic as a TCP rule of proxy `proxy`. A noop toxic, which no action stands for, shows
// as "noop": {}.
boost::json::object toxic_rule_json(const std::string& proxy, const Toxic& toxic);

// Every proxy of the collection, in name order.
boost::json::array toxiproxy_config_json(const ProxyCollection& proxies);

}  // namespace faultline::tcp
