#include "config/config_json.hpp"

#include <variant>

#include <boost/json/value_from.hpp>

#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

namespace json = boost::json;

namespace {

std::string address(const HostPort& host_port) {
  const bool ipv6 = host_port.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host_port.host + "]" : host_port.host) + ":" +
         std::to_string(host_port.port);
}

json::object match_json(const faults::Matcher& match) {
  json::object out;
  if (!match.path_prefix.empty()) out["path_prefix"] = match.path_prefix;
  if (match.path_regex) out["path"] = match.path_regex->pattern;
  if (!match.methods.empty()) out["methods"] = json::value_from(match.methods);
  if (!match.headers.empty()) {
    json::object headers;
    for (const auto& condition : match.headers) {
      using Kind = faults::HeaderCondition::Kind;
      if (condition.kind == Kind::equals) {
        headers[condition.name] = condition.value;
      } else {
        headers[condition.name] = condition.kind == Kind::present;
      }
    }
    out["headers"] = std::move(headers);
  }
  if (!match.host.empty()) out["host"] = match.host;
  if (!match.route.empty()) out["route"] = match.route;
  if (match.is_tcp()) out["tcp"] = match.tcp;
  return out;
}

}  // namespace

json::object rule_json(const faults::Rule& rule) {
  json::object out{{"name", rule.name}, {"probability", rule.probability}};
  json::object match = match_json(rule.match);
  if (!match.empty()) out["match"] = std::move(match);
  if (rule.match.is_tcp()) {
    out["stream"] = rule.stream == faults::Stream::upstream ? "upstream" : "downstream";
  }
  json::object action =
      std::visit([](const auto& action) { return action_json(action); }, rule.action);
  // A TCP delay acts on each chunk: the loader refuses a phase on it, so none is shown.
  if (rule.match.is_tcp()) action.erase("phase");
  out[faults::kind_name(rule.action)] = std::move(action);
  return out;
}

json::object config_json(const Config& config) {
  const auto& server = config.server;
  json::object out;
  out["server"] = json::object{
      {"listen", address(server.listen)},
      {"threads", server.threads},
      {"header_timeout", format_duration(server.header_timeout)},
      {"idle_timeout", format_duration(server.idle_timeout)},
      {"drain_timeout", format_duration(server.drain_timeout)},
      {"max_header_bytes", server.max_header_bytes},
      {"max_body_bytes", server.max_body_bytes},
      {"access_log", server.access_log},
  };
  if (server.tls) {
    out["server"].as_object()["tls"] =
        json::object{{"cert", server.tls_cert}, {"key", server.tls_key}};
  }
  // The token itself is a secret: say only whether one is set.
  out["admin"] = json::object{{"listen", address(config.admin.listen)},
                              {"token", config.admin.token.empty() ? "" : "<redacted>"}};
  out["metrics"] = json::object{{"window", format_duration(config.metrics.window)}};
  json::array routes;
  for (const auto& route : config.routes) {
    json::object r{{"name", route.name}, {"path_prefix", route.path_prefix}};
    if (!route.host.empty()) r["host"] = route.host;
    r["upstream"] = route.upstream.url;
    r["connect_timeout"] = format_duration(route.connect_timeout);
    r["request_timeout"] = format_duration(route.request_timeout);
    r["max_idle_connections"] = route.max_idle_connections;
    if (route.upstream.https) {
      const auto& tls = route.tls;
      r["tls_verify"] = tls.verify;
      if (!tls.ca_file.empty()) r["tls_ca"] = tls.ca_file;
      if (!tls.server_name.empty()) r["tls_server_name"] = tls.server_name;
      if (!tls.client_cert.empty()) r["tls_client_cert"] = tls.client_cert;
      if (!tls.client_key.empty()) r["tls_client_key"] = tls.client_key;
    }
    routes.push_back(std::move(r));
  }
  out["routes"] = std::move(routes);
  json::array tcp;
  for (const auto& proxy : config.tcp) {
    tcp.push_back(json::object{{"name", proxy.name},
                               {"listen", address(proxy.listen)},
                               {"upstream", address(proxy.upstream)},
                               {"enabled", proxy.enabled},
                               {"connect_timeout", format_duration(proxy.connect_timeout)}});
  }
  out["tcp"] = std::move(tcp);
  if (config.toxiproxy.enabled) {
    out["toxiproxy"] = json::object{{"listen", address(config.toxiproxy.listen)}};
  }
  const auto& faults = config.faults;
  json::object profiles;
  for (const auto& profile : faults.profiles) {
    if (profile.name == faults::kNoneProfileName) continue;  // built in, not written
    json::array rules;
    for (const auto& rule : profile.rules) rules.push_back(rule_json(rule));
    profiles[profile.name] = std::move(rules);
  }
  out["faults"] = json::object{
      {"active_profile", faults.active_profile}, {"seed", faults.seed},
      {"header_control", faults.header_control}, {"max_active_faults", faults.max_active_faults},
      {"profiles", std::move(profiles)},
  };
  return out;
}

}  // namespace faultline::config
