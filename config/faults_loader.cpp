// [[faults.profiles.NAME]] rules -> faults::Profile: the rule's name, match, probability
// and its one action (each action's TOML form is in config/actions/NAME.cpp).
//
//   match    = { path_prefix = "/api", path_regex = "^/api/v[0-9]+/", methods = ["GET"],
//                headers = { "x-tenant" = "test", "x-debug" = true, "x-canary" = false },
//                host = "api.example.com", route = "api" }
//              a header value is an exact value (a string), true (present) or false (absent)
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
  ProfileReader(const std::vector<RouteConfig>& routes, Diagnostics& diagnostics)
      : diagnostics_(diagnostics) {
    for (const auto& route : routes) route_names_.push_back(route.name);
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

    reader.finish();
    if (!action) return std::nullopt;
    rule.action = std::move(*action);
    return rule;
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
};

}  // namespace

std::vector<faults::Profile> read_fault_profiles(const toml::table* profiles,
                                                 const std::vector<RouteConfig>& routes,
                                                 Diagnostics& diagnostics) {
  return ProfileReader(routes, diagnostics).read(profiles);
}

}  // namespace faultline::config::detail
