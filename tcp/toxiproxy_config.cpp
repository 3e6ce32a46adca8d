#include "tcp/toxiproxy_config.hpp"

#include <string>

#include "base/units.hpp"
#include "config/config_json.hpp"
#include "tcp/go_json.hpp"
#include "tcp/tcp_rules.hpp"

namespace faultline::tcp {

boost::json::object toxic_rule_json(const std::string& proxy, const Toxic& toxic) {
  faults::Rule rule;
  rule.name = toxic.name;
  rule.match.tcp = proxy;
  rule.stream = toxic.stream;
  // Toxicity is a float32: through its shortest text, 0.3 shows as 0.3, not 0.30000001.
  rule.probability = std::stod(gojson::float32(toxic.toxicity));
  if (auto action = action_of(to_stage(toxic))) {
    rule.action = std::move(*action);
    return config::rule_json(rule);
  }
  return boost::json::object{{"name", rule.name},
                             {"probability", rule.probability},
                             {"match", boost::json::object{{"tcp", proxy}}},
                             {"stream", to_string(toxic.stream)},
                             {"noop", boost::json::object{}}};
}

boost::json::array toxiproxy_config_json(const ProxyCollection& proxies) {
  boost::json::array out;
  for (const auto& [name, proxy] : proxies.proxies()) {
    boost::json::array rules;
    for (const auto& chain : proxy.toxics) {
      for (const ToxicEntry& entry : chain) rules.push_back(toxic_rule_json(name, entry.toxic));
    }
    out.push_back(boost::json::object{
        {"name", name},
        {"listen", proxy.listen},
        {"upstream", proxy.upstream},
        {"enabled", proxy.enabled},
        {"connect_timeout", format_duration(ProxyCollection::kConnectTimeout)},
        {"source", "toxiproxy"},
        {"rules", std::move(rules)},
    });
  }
  return out;
}

}  // namespace faultline::tcp
