// [[faults.profiles.NAME]] rules -> faults::Profile. The TOML forms, one per action:
//
//   delay    = "40ms"                                    fixed, shorthand
//   delay    = { distribution = "fixed", value = "40ms" }
//   delay    = { distribution = "uniform", min = "200ms", max = "700ms" }
//   delay    = { distribution = "normal", mean = "40ms", stddev = "10ms" }
//   delay    = { distribution = "lognormal", median = "40ms", sigma = 0.5 }
//   delay    = { distribution = "pareto", scale = "10ms", shape = 1.5 }
//              every table also takes max = "2s" (a cap; for uniform, max is the bound)
//              and phase = "request" (default) or "response"
//   abort    = { status = 503, body = "...", headers = { "retry-after" = "1" } }, or 503
//   reset    = true
//   hang     = true, or { for = "5s" }
//   throttle = { bytes_per_second = "10KiB" }
//   truncate = { after_bytes = 1024 }
//   corrupt  = { bytes = 16 }
//
//   match    = { path_prefix = "/api", path_regex = "^/api/v[0-9]+/", methods = ["GET"],
//                headers = { "x-tenant" = "test", "x-debug" = true, "x-canary" = false },
//                host = "api.example.com", route = "api" }
//              a header value is an exact value (a string), true (present) or false (absent)
#include "config/faults_loader.hpp"

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
constexpr std::array<std::string_view, 7> kActionNames{"delay",    "abort",    "reset",  "hang",
                                                       "throttle", "truncate", "corrupt"};
constexpr std::array<std::string_view, 5> kDistributionNames{"fixed", "uniform", "normal",
                                                             "lognormal", "pareto"};
// Final responses only: a 1xx is interim (RFC 9110 §15.2) and would leave the client
// waiting. Envoy's fault filter allows the same range.
constexpr std::int64_t kMinAbortStatus = 200;
constexpr std::int64_t kMaxAbortStatus = 599;

// Headers that frame the message (RFC 9112 §6): the proxy writes them for the abort body.
bool is_framing_header(std::string_view name) {
  const std::string lower = lowercase(name);
  return lower == "content-length" || lower == "transfer-encoding" || lower == "connection";
}

template <std::size_t N>
std::vector<std::string> to_strings(const std::array<std::string_view, N>& names) {
  return {names.begin(), names.end()};
}

const toml::source_region& place_of_key(const toml::key& key, const toml::node& value) {
  return key.source().begin.line != 0 ? key.source() : value.source();
}

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
    for (std::size_t index = 0; index < rules->size(); ++index) {
      const toml::node& element = *rules->get(index);
      const std::string rule_path = index_key_path(path, index);
      const toml::table* table = element.as_table();
      if (table == nullptr) {
        diagnostics_.add(element.source(), rule_path,
                         "expected a table (a [[faults.profiles." + name + "]] rule)");
        continue;
      }
      if (auto rule = read_rule(*table, name, index, rule_path, rule_lines)) {
        profile.rules.push_back(std::move(*rule));
      }
    }
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

    // Exactly one action. Each present one is read, so all their errors show at once.
    std::vector<std::string> present;
    const toml::node* second = nullptr;
    std::optional<Action> action;
    for (std::string_view action_name : kActionNames) {
      const toml::node* node = reader.node(action_name);
      if (node == nullptr) continue;
      present.emplace_back(action_name);
      if (present.size() == 2) second = node;
      auto parsed = read_action(reader, action_name, *node);
      if (!action) action = std::move(parsed);
    }
    if (present.empty()) {
      reader.table_error("rule has no action; add one of " +
                         joined(to_strings(kActionNames), " or "));
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

  // -------------------------------------------------------------------------------------
  // actions

  std::optional<Action> read_action(TableReader& rule, std::string_view name,
                                    const toml::node& node) {
    if (name == "delay") return read_delay(rule, node);
    if (name == "abort") return read_abort(rule, node);
    if (name == "reset") return read_reset(rule, node);
    if (name == "hang") return read_hang(rule, node);
    if (name == "throttle") return read_throttle(rule, node);
    if (name == "truncate") return read_truncate(rule, node);
    return read_corrupt(rule, node);
  }

  std::optional<Action> read_delay(TableReader& rule, const toml::node& node) {
    constexpr std::string_view kExpected =
        "expected a duration like \"40ms\" or a table like { distribution = \"normal\", mean = "
        "\"40ms\", stddev = \"10ms\" }";
    if (const auto* text = node.as_string()) {
      const auto value = parse_duration(text->get());
      if (!value) {
        rule.error("delay", &node, duration_error(text->get()));
        return std::nullopt;
      }
      return faults::Delay{faults::Distribution{faults::FixedDelay{*value}, std::nullopt}};
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      rule.error("delay", &node, std::string(kExpected));
      return std::nullopt;
    }

    TableReader reader(*table, rule.key_path("delay"), diagnostics_);
    faults::Delay delay;
    std::string distribution;
    const toml::node* distribution_node = reader.read_string("distribution", distribution);
    if (distribution_node == nullptr && !table->contains("distribution")) {
      reader.table_error("delay has no distribution; add distribution = " +
                         joined(quoted_names(kDistributionNames), " or "));
    }

    std::string phase;
    if (const toml::node* phase_node = reader.read_string("phase", phase)) {
      if (phase == "request") {
        delay.phase = faults::Phase::request;
      } else if (phase == "response") {
        delay.phase = faults::Phase::response;
      } else {
        reader.error("phase", phase_node, "expected \"request\" or \"response\"");
      }
    }

    if (distribution_node != nullptr) {
      if (distribution == "fixed") {
        faults::FixedDelay fixed{};
        const toml::node* value = required_duration(reader, "value", distribution, fixed.value);
        const toml::node* cap = read_cap(reader, delay.distribution);
        if (value && cap && *delay.distribution.cap < fixed.value) {
          reader.error("max", cap,
                       "must not be less than value (" + format_duration(fixed.value) + ")");
        }
        delay.distribution.shape = fixed;
      } else if (distribution == "uniform") {
        faults::UniformDelay uniform{};
        const toml::node* min = required_duration(reader, "min", distribution, uniform.min);
        const toml::node* max = required_duration(reader, "max", distribution, uniform.max);
        if (min && max && uniform.max < uniform.min) {
          reader.error("max", max,
                       "must not be less than min (" + format_duration(uniform.min) + ")");
        }
        delay.distribution.shape = uniform;
      } else if (distribution == "normal") {
        faults::NormalDelay normal{};
        required_duration(reader, "mean", distribution, normal.mean);
        required_duration(reader, "stddev", distribution, normal.stddev);
        read_cap(reader, delay.distribution);
        delay.distribution.shape = normal;
      } else if (distribution == "lognormal") {
        faults::LognormalDelay lognormal{};
        required_duration(reader, "median", distribution, lognormal.median, true);
        required_number(reader, "sigma", distribution, lognormal.sigma);
        read_cap(reader, delay.distribution);
        delay.distribution.shape = lognormal;
      } else if (distribution == "pareto") {
        faults::ParetoDelay pareto{};
        const toml::node* scale =
            required_duration(reader, "scale", distribution, pareto.scale, true);
        required_number(reader, "shape", distribution, pareto.shape);
        const toml::node* cap = read_cap(reader, delay.distribution);
        if (scale && cap && *delay.distribution.cap < pareto.scale) {
          reader.error("max", cap,
                       "must not be less than scale (" + format_duration(pareto.scale) + ")");
        }
        delay.distribution.shape = pareto;
      } else {
        std::string message = "unknown distribution '" + distribution + "'";
        if (auto suggestion = closest_match(distribution, to_strings(kDistributionNames))) {
          message += " (did you mean '" + *suggestion + "'?)";
        } else {
          message += " (expected " + joined(quoted_names(kDistributionNames), " or ") + ")";
        }
        reader.error("distribution", distribution_node, std::move(message));
        // The other keys depend on the distribution: do not report them as unknown too.
        return std::nullopt;
      }
    }
    if (distribution_node == nullptr) return std::nullopt;
    reader.finish();
    return delay;
  }

  std::optional<Action> read_abort(TableReader& rule, const toml::node& node) {
    faults::Abort abort;
    if (const auto* status = node.as_integer()) {
      if (!check_status(rule, "abort", node, status->get())) return std::nullopt;
      abort.status = static_cast<int>(status->get());
      return abort;
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      rule.error("abort", &node, "expected a status like 503 or a table like { status = 503 }");
      return std::nullopt;
    }
    TableReader reader(*table, rule.key_path("abort"), diagnostics_);
    if (const toml::node* status = reader.node("status")) {
      const auto* integer = status->as_integer();
      if (integer == nullptr) {
        reader.error("status", status, "expected an HTTP status like 503");
      } else if (check_status(reader, "status", *status, integer->get())) {
        abort.status = static_cast<int>(integer->get());
      }
    } else {
      reader.table_error("abort has no status; add status = 503 (or another, 200 to 599)");
    }
    reader.read_string("body", abort.body);
    if (const toml::node* headers = reader.node("headers")) {
      read_abort_headers(reader, *headers, abort);
    }
    reader.finish();
    return abort;
  }

  void read_abort_headers(TableReader& reader, const toml::node& node, faults::Abort& abort) {
    const toml::table* headers = node.as_table();
    if (headers == nullptr) {
      reader.error("headers", &node, "expected a table like { \"retry-after\" = \"1\" }");
      return;
    }
    for (auto&& [key, value] : *headers) {
      const std::string name(key.str());
      const std::string path = join_key_path(reader.key_path("headers"), name);
      if (!is_token(name)) {
        diagnostics_.add(place_of_key(key, value), path, "not a valid header name");
        continue;
      }
      if (is_framing_header(name)) {
        diagnostics_.add(place_of_key(key, value), path,
                         "is set by faultline from the body; leave it out");
        continue;
      }
      const auto* text = value.as_string();
      if (text == nullptr) {
        diagnostics_.add(value.source(), path, "expected a string");
        continue;
      }
      // A field value may hold tabs, never line breaks or other controls (RFC 9110 §5.5).
      std::string without_tabs = text->get();
      std::erase(without_tabs, '\t');
      if (has_control_character(without_tabs)) {
        diagnostics_.add(value.source(), path, "must not contain control characters");
        continue;
      }
      abort.headers.emplace_back(name, text->get());
    }
  }

  bool check_status(TableReader& reader, std::string_view key, const toml::node& node,
                    std::int64_t status) {
    if (status >= kMinAbortStatus && status <= kMaxAbortStatus) return true;
    reader.error(key, &node, "must be between 200 and 599 (a final HTTP status)");
    return false;
  }

  std::optional<Action> read_reset(TableReader& rule, const toml::node& node) {
    if (const auto* flag = node.as_boolean(); flag != nullptr && flag->get())
      return faults::Reset{};
    if (const auto* table = node.as_table(); table != nullptr) {
      TableReader reader(*table, rule.key_path("reset"), diagnostics_);
      reader.finish();  // reset = {} is the same as reset = true; any key is unknown
      return faults::Reset{};
    }
    rule.error("reset", &node, "expected true (reset = true)");
    return std::nullopt;
  }

  std::optional<Action> read_hang(TableReader& rule, const toml::node& node) {
    if (const auto* flag = node.as_boolean(); flag != nullptr && flag->get()) return faults::Hang{};
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      rule.error("hang", &node, "expected true or a table like { for = \"5s\" }");
      return std::nullopt;
    }
    TableReader reader(*table, rule.key_path("hang"), diagnostics_);
    faults::Hang hang;
    Duration duration{};
    if (reader.read_positive_duration("for", duration)) {
      hang.duration = duration;
    }
    reader.finish();
    return hang;
  }

  // throttle, truncate and corrupt: a table with one size key.
  std::optional<std::uint64_t> read_size_action(TableReader& rule, std::string_view action,
                                                const toml::node& node, std::string_view key,
                                                std::uint64_t min, std::string_view example) {
    const std::string form = "{ " + std::string(key) + " = " + std::string(example) + " }";
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      rule.error(action, &node, "expected a table like " + form);
      return std::nullopt;
    }
    TableReader reader(*table, rule.key_path(action), diagnostics_);
    std::uint64_t value = 0;
    bool valid = true;
    if (!reader.read_size(key, min, std::numeric_limits<std::uint64_t>::max(), value)) {
      valid = false;
      if (!table->contains(key)) {
        reader.table_error(std::string(action) + " has no " + std::string(key) + "; add " +
                           std::string(key) + " = " + std::string(example));
      }
    }
    reader.finish();
    if (!valid) return std::nullopt;
    return value;
  }

  std::optional<Action> read_throttle(TableReader& rule, const toml::node& node) {
    auto rate = read_size_action(rule, "throttle", node, "bytes_per_second", 1, "\"10KiB\"");
    if (!rate) return std::nullopt;
    return faults::Throttle{*rate};
  }

  std::optional<Action> read_truncate(TableReader& rule, const toml::node& node) {
    auto bytes = read_size_action(rule, "truncate", node, "after_bytes", 0, "1024");
    if (!bytes) return std::nullopt;
    return faults::Truncate{*bytes};
  }

  std::optional<Action> read_corrupt(TableReader& rule, const toml::node& node) {
    auto bytes = read_size_action(rule, "corrupt", node, "bytes", 1, "16");
    if (!bytes) return std::nullopt;
    return faults::Corrupt{*bytes};
  }

  // -------------------------------------------------------------------------------------
  // delay parameters

  // A duration string; zero allowed unless `positive`. Reports it missing when absent.
  const toml::node* required_duration(TableReader& reader, std::string_view key,
                                      const std::string& distribution, Duration& out,
                                      bool positive = false) {
    const toml::node* node = reader.node(key);
    if (node == nullptr) {
      missing(reader, key, distribution);
      return nullptr;
    }
    return read_duration(reader, key, *node, positive, out);
  }

  const toml::node* read_duration(TableReader& reader, std::string_view key, const toml::node& node,
                                  bool positive, Duration& out) {
    const auto* text = node.as_string();
    if (text == nullptr) {
      std::string message = "expected a duration like \"40ms\"";
      if (node.is_number()) message += " (a string with a unit: us, ms, s or m)";
      reader.error(key, &node, std::move(message));
      return nullptr;
    }
    const auto value = parse_duration(text->get());
    if (!value) {
      reader.error(key, &node, duration_error(text->get()));
      return nullptr;
    }
    if (positive && value->count() == 0) {
      reader.error(key, &node, "must be greater than 0");
      return nullptr;
    }
    out = *value;
    return &node;
  }

  // The optional `max` cap (every distribution but uniform, whose max is its bound).
  const toml::node* read_cap(TableReader& reader, faults::Distribution& distribution) {
    const toml::node* node = reader.node("max");
    if (node == nullptr) return nullptr;
    Duration cap{};
    if (!read_duration(reader, "max", *node, true, cap)) return nullptr;
    distribution.cap = cap;
    return node;
  }

  // sigma and shape: a number (integer or float) greater than 0.
  const toml::node* required_number(TableReader& reader, std::string_view key,
                                    const std::string& distribution, double& out) {
    const toml::node* node = reader.node(key);
    if (node == nullptr) {
      missing(reader, key, distribution);
      return nullptr;
    }
    std::optional<double> value;
    if (const auto* integer = node->as_integer()) value = static_cast<double>(integer->get());
    if (const auto* floating = node->as_floating_point()) value = floating->get();
    if (!value) {
      reader.error(key, node, "expected a number like 1.5");
      return nullptr;
    }
    if (!(*value > 0.0) || !std::isfinite(*value)) {
      reader.error(key, node, "must be greater than 0");
      return nullptr;
    }
    out = *value;
    return node;
  }

  void missing(TableReader& reader, std::string_view key, const std::string& distribution) {
    std::string takes;
    if (distribution == "fixed") takes = "value";
    if (distribution == "uniform") takes = "min and max";
    if (distribution == "normal") takes = "mean and stddev";
    if (distribution == "lognormal") takes = "median and sigma";
    if (distribution == "pareto") takes = "scale and shape";
    reader.table_error("missing " + std::string(key) + " (" + distribution + " takes " + takes +
                       ")");
  }

  static std::vector<std::string> quoted_names(
      const std::array<std::string_view, kDistributionNames.size()>& names) {
    std::vector<std::string> quoted;
    for (auto name : names) quoted.push_back("\"" + std::string(name) + "\"");
    return quoted;
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
