// [[faults.profiles.NAME]] rules -> faults::Profile: the rule's name, match, probability
// and its one action (each action's TOML form is in config/actions/NAME.cpp).
//
//   match    = { path_prefix = "/api", path_regex = "^/api/v[0-9]+/", methods = ["GET"],
//                headers = { "x-tenant" = "test", "x-debug" = true, "x-canary" = false },
//                host = "api.example.com", route = "api" }
//              a header value is an exact value (a string), true (present) or false (absent)
//   match    = { tcp = "postgres" }   a TCP rule: applies to that [[tcp]] proxy's new
//              connections, with stream = "downstream" (default) or "upstream"; the
//              probability is rolled per connection
#include "config/faults_loader.hpp"

#include "config/action_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/text.hpp"
#include "base/units.hpp"
#include "faults/matcher.hpp"

namespace faultline::config::detail {
namespace {

using faults::Action;
using faults::Rule;

constexpr std::string_view kNoneProfile = faults::kNoneProfileName;

class ProfileReader {
 public:
  ProfileReader(const std::vector<RouteConfig>& routes, const std::vector<TcpProxyConfig>& tcp,
                Diagnostics& diagnostics)
      : diagnostics_(diagnostics) {
    for (const auto& route : routes) route_names_.push_back(route.name);
    for (const auto& proxy : tcp) tcp_names_.push_back(proxy.name);
  }

  std::vector<faults::Profile> read(const toml::table* profiles) {
    std::vector<faults::Profile> result;
    result.push_back(faults::Profile{std::string(kNoneProfile), {}});
    if (profiles != nullptr) {
      for (auto&& [key, value] : *profiles) {
        if (auto profile = read_profile(std::string(key.str()), key, value)) {
          result.push_back(std::move(*profile));
        }
      }
    }
    std::sort(result.begin(), result.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return result;
  }

 private:
  // Each profile is an array of rule tables ([[faults.profiles.NAME]]). A profile whose
  // name is valid is returned even when its rules have errors, so that active_profile
  // naming it is not reported a second time.
  std::optional<faults::Profile> read_profile(const std::string& name, const toml::key& key,
                                              const toml::node& value) {
    const std::string path = join_key_path("faults.profiles", name);
    if (name.empty()) {
      diagnostics_.add(place_of_key(key, value), path, "profile names must not be empty");
      return std::nullopt;
    }
    if (name == kNoneProfile) {
      diagnostics_.add(place_of_key(key, value), path,
                       "profile 'none' is built in and injects nothing; choose another name");
      return std::nullopt;
    }
    faults::Profile profile{name, {}};
    const toml::array* rules = value.as_array();
    if (rules == nullptr) {
      diagnostics_.add(value.source(), path,
                       "expected an array of tables ([[faults.profiles." + name + "]])");
      return profile;
    }
    std::map<std::string, int> rule_lines;  // name -> line, for duplicates
    for_each_table(*rules, path, "a [[faults.profiles." + name + "]] rule", diagnostics_,
                   [&](const toml::table& table, const std::string& rule_path, std::size_t index) {
                     if (auto rule = read_rule(table, name, index, rule_path, rule_lines)) {
                       profile.rules.push_back(std::move(*rule));
                     }
                   });
    return profile;
  }

  std::optional<Rule> read_rule(const toml::table& table, const std::string& profile,
                                std::size_t index, const std::string& path,
                                std::map<std::string, int>& rule_lines) {
    TableReader reader(table, path, diagnostics_);
    Rule rule;

    // Unnamed rules are named by their place, as in key paths: "flaky[2]".
    rule.name = index_key_path(profile, index);
    const toml::node* name = reader.read_string("name", rule.name);
    const bool well_named =
        name == nullptr ? !table.contains("name") : check_rule_name(reader, *name, rule.name);
    if (well_named) {
      const int line = static_cast<int>((name ? name->source() : table.source()).begin.line);
      const auto [first, inserted] = rule_lines.emplace(rule.name, line);
      if (!inserted) {
        reader.error("name", name,
                     "duplicate rule name '" + rule.name + "' in profile '" + profile +
                         "' (first defined at line " + std::to_string(first->second) + ")");
      }
    }

    if (const toml::table* match = reader.read_table("match")) {
      read_matcher(*match, reader.key_path("match"), rule.match);
    }
    if (const toml::node* probability = reader.node("probability")) {
      read_probability(reader, *probability, rule.probability);
    }

    // Exactly one action, from the registry. Each present one is read, so all their
    // errors show at once.
    std::vector<std::string> present;
    const toml::node* second = nullptr;
    std::optional<Action> action;
    ActionReader action_reader(reader, diagnostics_);
    faults::for_each_action_type([&]<class A>() {
      const toml::node* node = reader.node(A::info.name);
      if (node == nullptr) return;
      present.emplace_back(A::info.name);
      if (present.size() == 2) second = node;
      auto parsed = read_action(action_reader, *node, Tag<A>{});
      if (!action && parsed) action = std::move(*parsed);
    });
    if (present.empty()) {
      std::vector<std::string> names;
      for (const auto& info : faults::kActionInfos) names.emplace_back(info.name);
      reader.table_error("rule has no action; add one of " + joined(names, " or "));
    } else if (present.size() > 1) {
      diagnostics_.add(second->source(), path,
                       "rule has more than one action: " + joined(present, " and "));
    }

    const toml::node* stream = reader.node("stream");
    if (stream != nullptr) read_stream(reader, *stream, rule);
    reader.finish();
    if (!action) return std::nullopt;
    rule.action = std::move(*action);
    if (!check_protocol(reader, rule, stream)) return std::nullopt;
    return rule;
  }

  void read_stream(TableReader& reader, const toml::node& node, Rule& rule) {
    const auto* text = node.as_string();
    if (text != nullptr && text->get() == "upstream") {
      rule.stream = faults::Stream::upstream;
    } else if (text != nullptr && text->get() == "downstream") {
      rule.stream = faults::Stream::downstream;
    } else {
      reader.error("stream", &node,
                   "expected \"downstream\" (server to client) or \"upstream\" (client to "
                   "server)");
    }
  }

  // An action and its keys must mean something for the rule's protocol: HTTP rules, or TCP
  // rules (match = { tcp = ... }).
  bool check_protocol(TableReader& reader, const Rule& rule, const toml::node* stream) {
    const faults::ActionInfo& info = faults::info_of(rule.action);
    const toml::node* action_node = reader.node(info.name);
    if (rule.match.is_tcp()) {
      if (!faults::applies_to_tcp(info)) {
        reader.error(info.name, action_node,
                     "'" + std::string(info.name) +
                         "' applies to HTTP rules only; a TCP rule takes delay, throttle, reset, "
                         "hang, truncate, slice or slow_close");
        return false;
      }
      if (const auto* delay = std::get_if<faults::Delay>(&rule.action);
          delay != nullptr && delay->phase != faults::Phase::request) {
        reader.error(info.name, action_node,
                     "phase applies to HTTP rules only (a TCP delay acts on each chunk of its "
                     "stream)");
        return false;
      }
      return true;
    }
    if (!faults::applies_to_http(info)) {
      reader.error(info.name, action_node,
                   "'" + std::string(info.name) +
                       "' applies to TCP rules only: add match = { tcp = \"<[[tcp]] name>\" }");
      return false;
    }
    if (stream != nullptr) {
      reader.error("stream", stream, "applies to TCP rules only (match = { tcp = ... })");
      return false;
    }
    if (const auto* reset = std::get_if<faults::Reset>(&rule.action);
        reset != nullptr && reset->after.count() > 0) {
      reader.error(info.name, action_node,
                   "after applies to TCP rules only (an HTTP reset happens before the upstream "
                   "is contacted)");
      return false;
    }
    return true;
  }

  // Rule names go into x-faultline-injected (a comma-separated header value) and into a
  // metric label.
  bool check_rule_name(TableReader& reader, const toml::node& node, const std::string& name) {
    if (name.empty()) {
      reader.error("name", &node, "must not be empty");
    } else if (has_control_character(name)) {
      reader.error("name", &node, "must not contain control characters");
    } else if (name.find(',') != std::string::npos) {
      reader.error("name", &node,
                   "must not contain ',' (x-faultline-injected lists rule names separated by "
                   "commas)");
    } else {
      return true;
    }
    return false;
  }

  void read_probability(TableReader& reader, const toml::node& node, double& out) {
    std::optional<double> value;
    if (const auto* integer = node.as_integer()) value = static_cast<double>(integer->get());
    if (const auto* floating = node.as_floating_point()) value = floating->get();
    if (!value) {
      reader.error("probability", &node, "expected a number between 0 and 1");
    } else if (!(*value >= 0.0 && *value <= 1.0)) {
      reader.error("probability", &node, "must be between 0 and 1");
    } else {
      out = *value;
    }
  }

  // -------------------------------------------------------------------------------------
  // match

  void read_matcher(const toml::table& table, const std::string& path, faults::Matcher& out) {
    TableReader reader(table, path, diagnostics_);

    if (const toml::node* prefix = reader.read_string("path_prefix", out.path_prefix)) {
      if (out.path_prefix.empty() || out.path_prefix.front() != '/') {
        reader.error("path_prefix", prefix, "must start with '/'");
      }
    }

    std::string pattern;
    if (const toml::node* regex = reader.read_string("path_regex", pattern)) {
      std::string problem;
      if (pattern.empty()) {
        reader.error("path_regex", regex, "must not be empty (leave it out to match every path)");
      } else if (auto compiled = faults::PathRegex::compile(pattern, problem)) {
        out.path_regex = std::move(compiled);
      } else {
        reader.error("path_regex", regex, "invalid regular expression: " + problem);
      }
    }

    if (const toml::node* methods = reader.node("methods")) read_methods(reader, *methods, out);

    if (const toml::node* headers = reader.node("headers")) read_headers(reader, *headers, out);

    // Host matching ignores case (RFC 9110 §4.2.3), so the name is kept in lower case.
    if (const toml::node* host = reader.read_string("host", out.host)) {
      out.host = lowercase(std::move(out.host));
      if (out.host.empty() || out.host.find_first_of(" \t\r\n/?#@") != std::string::npos) {
        reader.error("host", host, "expected a host name like \"api.example.com\"");
      }
    }

    if (const toml::node* tcp = reader.read_string("tcp", out.tcp)) {
      if (std::find(tcp_names_.begin(), tcp_names_.end(), out.tcp) == tcp_names_.end()) {
        std::string message = "unknown tcp proxy '" + out.tcp + "'";
        if (auto suggestion = closest_match(out.tcp, tcp_names_)) {
          message += " (did you mean '" + *suggestion + "'?)";
        } else if (!tcp_names_.empty()) {
          message += " (tcp proxies: " + joined(tcp_names_, ", ") + ")";
        } else {
          message += " (no [[tcp]] proxy is defined)";
        }
        reader.error("tcp", tcp, std::move(message));
      }
      // A TCP connection has no path, method, headers, host or route.
      for (std::string_view key :
           {"path_prefix", "path_regex", "methods", "headers", "host", "route"}) {
        if (const toml::node* http_only = reader.node(key)) {
          reader.error(key, http_only,
                       "applies to HTTP rules only; this rule matches tcp = \"" + out.tcp + "\"");
        }
      }
    }

    if (const toml::node* route = reader.read_string("route", out.route)) {
      if (std::find(route_names_.begin(), route_names_.end(), out.route) == route_names_.end()) {
        std::string message = "unknown route '" + out.route + "'";
        if (auto suggestion = closest_match(out.route, route_names_)) {
          message += " (did you mean '" + *suggestion + "'?)";
        } else if (!route_names_.empty()) {
          message += " (routes: " + joined(route_names_, ", ") + ")";
        }
        reader.error("route", route, std::move(message));
      }
    }

    reader.finish();
  }

  void read_methods(TableReader& reader, const toml::node& node, faults::Matcher& out) {
    const toml::array* methods = node.as_array();
    if (methods == nullptr) {
      reader.error("methods", &node, "expected an array of methods like [\"GET\", \"HEAD\"]");
      return;
    }
    if (methods->empty()) {
      reader.error("methods", &node, "must not be empty (leave it out to match every method)");
      return;
    }
    for (std::size_t index = 0; index < methods->size(); ++index) {
      const toml::node& element = *methods->get(index);
      const std::string path = index_key_path(reader.key_path("methods"), index);
      const auto* text = element.as_string();
      if (text == nullptr || !is_token(text->get())) {
        diagnostics_.add(element.source(), path, "expected a method name like \"GET\"");
        continue;
      }
      std::string method = uppercase(text->get());
      if (std::find(out.methods.begin(), out.methods.end(), method) == out.methods.end()) {
        out.methods.push_back(std::move(method));
      }
    }
  }

  void read_headers(TableReader& reader, const toml::node& node, faults::Matcher& out) {
    const toml::table* headers = node.as_table();
    if (headers == nullptr) {
      reader.error("headers", &node,
                   "expected a table like { \"x-tenant\" = \"test\", \"x-debug\" = true }");
      return;
    }
    using Kind = faults::HeaderCondition::Kind;
    for (auto&& [key, value] : *headers) {
      const std::string name(key.str());
      const std::string path = join_key_path(reader.key_path("headers"), name);
      if (!is_token(name)) {
        diagnostics_.add(place_of_key(key, value), path, "not a valid header name");
        continue;
      }
      faults::HeaderCondition condition{lowercase(name), Kind::present, {}};
      if (const auto* text = value.as_string()) {
        condition.kind = Kind::equals;
        condition.value = text->get();
      } else if (const auto* flag = value.as_boolean()) {
        condition.kind = flag->get() ? Kind::present : Kind::absent;
      } else {
        diagnostics_.add(value.source(), path,
                         "expected a string (the exact value), true (present) or false (absent)");
        continue;
      }
      out.headers.push_back(std::move(condition));
    }
  }

  Diagnostics& diagnostics_;
  std::vector<std::string> route_names_;
  std::vector<std::string> tcp_names_;
};

}  // namespace

std::vector<faults::Profile> read_fault_profiles(const toml::table* profiles,
                                                 const std::vector<RouteConfig>& routes,
                                                 const std::vector<TcpProxyConfig>& tcp,
                                                 Diagnostics& diagnostics) {
  return ProfileReader(routes, tcp, diagnostics).read(profiles);
}

}  // namespace faultline::config::detail
