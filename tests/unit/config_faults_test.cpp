// [[faults.profiles.NAME]] rules as users write them: every documented form loads
// into the fault engine's types, and every mistake is reported at its place.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "faults/decide.hpp"

namespace faultline::config {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;
using faults::Phase;

constexpr std::string_view kRoute = R"(
[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
)";

// `text` first, so its line numbers are the file's; then a valid route.
LoadResult parse(std::string_view text) {
  return parse_config(std::string(text) + std::string(kRoute), "test.toml");
}

Strings messages(const LoadResult& result) {
  Strings lines;
  for (const auto& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

std::string only_error(std::string_view text) {
  const LoadResult result = parse(text);
  EXPECT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(messages(result));
  return result.errors.empty() ? "" : result.errors.front().to_string();
}

FaultsConfig faults_of(std::string_view text) {
  const LoadResult result = parse(text);
  EXPECT_TRUE(result.errors.empty()) << ::testing::PrintToString(messages(result));
  return result.config ? result.config->faults : FaultsConfig{};
}

// The rules of profile `name` in `text`.
std::vector<faults::Rule> rules_of(std::string_view text, std::string_view name = "p") {
  const FaultsConfig faults = faults_of(text);
  const faults::Profile* profile = faults.find_profile(name);
  EXPECT_NE(profile, nullptr) << name;
  return profile ? profile->rules : std::vector<faults::Rule>{};
}

faults::Action action_of(std::string_view rule_body) {
  const auto rules = rules_of("[[faults.profiles.p]]\n" + std::string(rule_body) + "\n");
  EXPECT_EQ(rules.size(), 1u);
  return rules.empty() ? faults::Action{} : rules[0].action;
}

faults::Delay delay_of(std::string_view delay) {
  const faults::Action action = action_of("delay = " + std::string(delay));
  EXPECT_TRUE(std::holds_alternative<faults::Delay>(action));
  return std::holds_alternative<faults::Delay>(action) ? std::get<faults::Delay>(action)
                                                       : faults::Delay{};
}

faults::Matcher match_of(std::string_view match) {
  const auto rules =
      rules_of("[[faults.profiles.p]]\nmatch = " + std::string(match) + "\nreset = true\n");
  return rules.empty() ? faults::Matcher{} : rules[0].match;
}

std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("FAULTLINE_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

constexpr std::string_view kSpecFlaky = R"([faults]
active_profile = "flaky"

[[faults.profiles.flaky]]      # rules of profile "flaky", evaluated in order, each independently
name = "base latency"
match = { path_prefix = "/api", methods = ["GET"], headers = { "x-tenant" = "test" } }
probability = 1.0
delay = { distribution = "normal", mean = "40ms", stddev = "10ms" }

[[faults.profiles.flaky]]
name = "jitter spikes"
probability = 0.05
delay = { distribution = "uniform", min = "200ms", max = "700ms" }

[[faults.profiles.flaky]]
name = "errors"
probability = 0.02
abort = { status = 503, body = "injected by faultline" }
)";

// ---------------------------------------------------------------------------------------
// What loads

TEST(ConfigFaults, TheSpecProfileLoadsIntoRules) {
  const auto rules = rules_of(kSpecFlaky, "flaky");
  ASSERT_EQ(rules.size(), 3u);

  EXPECT_EQ(rules[0].name, "base latency");
  EXPECT_EQ(rules[0].probability, 1.0);
  EXPECT_EQ(rules[0].match.path_prefix, "/api");
  EXPECT_EQ(rules[0].match.methods, Strings{"GET"});
  ASSERT_EQ(rules[0].match.headers.size(), 1u);
  EXPECT_EQ(rules[0].match.headers[0],
            (faults::HeaderCondition{"x-tenant", faults::HeaderCondition::Kind::equals, "test"}));
  EXPECT_EQ(std::get<faults::Delay>(rules[0].action),
            (faults::Delay{{faults::NormalDelay{40ms, 10ms}, std::nullopt}, Phase::request}));

  EXPECT_EQ(rules[1].name, "jitter spikes");
  EXPECT_EQ(rules[1].probability, 0.05);
  EXPECT_EQ(std::get<faults::Delay>(rules[1].action).distribution,
            (faults::Distribution{faults::UniformDelay{200ms, 700ms}, std::nullopt}));

  EXPECT_EQ(rules[2].name, "errors");
  EXPECT_EQ(std::get<faults::Abort>(rules[2].action),
            (faults::Abort{503, "injected by faultline", {}}));
}

TEST(ConfigFaults, TheSpecProfileDecidesAsDocumented) {
  // A GET /api request from tenant "test" gets the base latency; others do not.
  const FaultsConfig faults = faults_of(kSpecFlaky);
  const faults::Profile& flaky = *faults.find_profile(faults.active_profile);
  const std::vector<faults::Header> tenant{{"X-Tenant", "test"}};
  const faults::RequestView matching{"GET", "/api/users", "localhost", "api", tenant};
  const faults::RequestView other{"POST", "/api/users", "localhost", "api", tenant};
  int base_latency = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    faults::Rng rng = faults::Rng::for_request(9, i);
    const faults::FaultPlan plan = faults::decide(flaky, matching, rng);
    ASSERT_FALSE(plan.applied.empty());
    base_latency += plan.applied[0].rule == "base latency" ? 1 : 0;
    faults::Rng other_rng = faults::Rng::for_request(9, i);
    const faults::FaultPlan other_plan = faults::decide(flaky, other, other_rng);
    for (const auto& applied : other_plan.applied) ASSERT_NE(applied.rule, "base latency");
  }
  EXPECT_EQ(base_latency, 1000);
}

TEST(ConfigFaults, ProfileNoneIsBuiltInAndEmpty) {
  const FaultsConfig faults = faults_of("");
  ASSERT_NE(faults.find_profile("none"), nullptr);
  EXPECT_TRUE(faults.find_profile("none")->rules.empty());
  EXPECT_EQ(faults.find_profile("missing"), nullptr);
  EXPECT_EQ(FaultsConfig{}.find_profile("none")->name, "none");  // also without a file
}

TEST(ConfigFaults, ProfilesAreSortedLikeTheirNames) {
  const FaultsConfig faults = faults_of(
      "[[faults.profiles.zeta]]\nreset = true\n[[faults.profiles.alpha]]\nreset = true\n");
  ASSERT_EQ(faults.profiles.size(), 3u);
  for (std::size_t i = 0; i < faults.profiles.size(); ++i) {
    EXPECT_EQ(faults.profiles[i].name, faults.profile_names[i]);
  }
}

TEST(ConfigFaults, TheExampleFileLoadsEveryProfile) {
  const auto path = source_dir() / "deploy" / "faultline.example.toml";
  const LoadResult result = load_config_file(path.string());
  ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(messages(result));
  const FaultsConfig& faults = result.config->faults;
  for (const auto& profile : faults.profiles) {
    if (profile.name != "none") {
      EXPECT_FALSE(profile.rules.empty()) << profile.name;
    }
  }
}

TEST(ConfigFaults, UnnamedRulesAreNamedByTheirPlace) {
  const auto rules =
      rules_of("[[faults.profiles.p]]\nreset = true\n[[faults.profiles.p]]\nreset = true\n");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name, "p[0]");
  EXPECT_EQ(rules[1].name, "p[1]");
}

TEST(ConfigFaults, ProbabilityDefaultsToOneAndTakesIntegers) {
  EXPECT_EQ(rules_of("[[faults.profiles.p]]\nreset = true\n").at(0).probability, 1.0);
  EXPECT_EQ(rules_of("[[faults.profiles.p]]\nreset = true\nprobability = 0\n").at(0).probability,
            0.0);
}

TEST(ConfigFaults, EveryDelayForm) {
  using faults::Distribution;
  EXPECT_EQ(delay_of("\"40ms\"").distribution,
            (Distribution{faults::FixedDelay{40ms}, std::nullopt}));
  EXPECT_EQ(delay_of("{ distribution = \"fixed\", value = \"40ms\" }").distribution,
            (Distribution{faults::FixedDelay{40ms}, std::nullopt}));
  EXPECT_EQ(delay_of("{ distribution = \"uniform\", min = \"0ms\", max = \"1s\" }").distribution,
            (Distribution{faults::UniformDelay{0ms, 1s}, std::nullopt}));
  EXPECT_EQ(delay_of("{ distribution = \"normal\", mean = \"40ms\", stddev = \"10ms\", max = "
                     "\"60ms\" }")
                .distribution,
            (Distribution{faults::NormalDelay{40ms, 10ms}, 60ms}));
  EXPECT_EQ(
      delay_of("{ distribution = \"lognormal\", median = \"40ms\", sigma = 0.5 }").distribution,
      (Distribution{faults::LognormalDelay{40ms, 0.5}, std::nullopt}));
  EXPECT_EQ(delay_of("{ distribution = \"pareto\", scale = \"10ms\", shape = 2, max = \"5s\" }")
                .distribution,
            (Distribution{faults::ParetoDelay{10ms, 2.0}, 5s}));
  EXPECT_EQ(delay_of("{ distribution = \"fixed\", value = \"5ms\", phase = \"response\" }").phase,
            Phase::response);
  EXPECT_EQ(delay_of("{ distribution = \"fixed\", value = \"5ms\", phase = \"request\" }").phase,
            Phase::request);
  EXPECT_EQ(delay_of("\"5ms\"").phase, Phase::request);
}

TEST(ConfigFaults, EveryOtherAction) {
  EXPECT_EQ(std::get<faults::Abort>(action_of(
                "abort = { status = 429, body = \"slow down\", headers = { \"Retry-After\" = "
                "\"1\" } }")),
            (faults::Abort{429, "slow down", {{"Retry-After", "1"}}}));
  EXPECT_EQ(std::get<faults::Abort>(action_of("abort = 502")), (faults::Abort{502, "", {}}));
  EXPECT_TRUE(std::holds_alternative<faults::Reset>(action_of("reset = true")));
  EXPECT_TRUE(std::holds_alternative<faults::Reset>(action_of("reset = {}")));
  EXPECT_EQ(std::get<faults::Hang>(action_of("hang = true")), faults::Hang{});
  EXPECT_EQ(std::get<faults::Hang>(action_of("hang = { for = \"5s\" }")), faults::Hang{5s});
  EXPECT_EQ(std::get<faults::Throttle>(action_of("throttle = { bytes_per_second = \"10KiB\" }")),
            faults::Throttle{10240});
  EXPECT_EQ(std::get<faults::Throttle>(action_of("throttle = { bytes_per_second = 512 }")),
            faults::Throttle{512});
  EXPECT_EQ(std::get<faults::Truncate>(action_of("truncate = { after_bytes = 0 }")),
            faults::Truncate{0});
  EXPECT_EQ(std::get<faults::Truncate>(action_of("truncate = { after_bytes = \"1KiB\" }")),
            faults::Truncate{1024});
  EXPECT_EQ(std::get<faults::Corrupt>(action_of("corrupt = { bytes = 16 }")), faults::Corrupt{16});
}

TEST(ConfigFaults, EveryMatchCondition) {
  const faults::Matcher match = match_of(
      R"({ path_prefix = "/api", path_regex = "^/api/v[0-9]+/", methods = ["get", "Post", "GET"], )"
      R"(headers = { "X-Tenant" = "test", "x-debug" = true, "x-canary" = false }, )"
      R"(host = "API.Example.com", route = "api" })");
  using Kind = faults::HeaderCondition::Kind;
  EXPECT_EQ(match.path_prefix, "/api");
  ASSERT_TRUE(match.path_regex.has_value());
  EXPECT_EQ(match.path_regex->pattern, "^/api/v[0-9]+/");
  EXPECT_TRUE(match.path_regex->search("/api/v2/users"));
  EXPECT_EQ(match.methods, (Strings{"GET", "POST"}));  // upper case, once each
  auto headers = match.headers;  // in TOML key order; the order does not matter
  std::sort(headers.begin(), headers.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  EXPECT_EQ(headers, (std::vector<faults::HeaderCondition>{
                         {"x-canary", Kind::absent, ""},
                         {"x-debug", Kind::present, ""},
                         {"x-tenant", Kind::equals, "test"},
                     }));
  EXPECT_EQ(match.host, "api.example.com");
  EXPECT_EQ(match.route, "api");
}

// ---------------------------------------------------------------------------------------
// How mistakes are reported

TEST(ConfigFaults, RuleWithoutActionSaysWhichToAdd) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nname = \"idle\"\n"),
            "test.toml:1:1: faults.profiles.p[0]: rule has no action; add one of delay, abort, "
            "reset, hang, throttle, truncate, corrupt, modify, slice or slow_close");
}

TEST(ConfigFaults, RuleWithTwoActionsNamesThem) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = \"1ms\"\nabort = 503\n"),
            "test.toml:3:9: faults.profiles.p[0]: rule has more than one action: delay and abort");
  EXPECT_EQ(
      only_error("[[faults.profiles.p]]\nreset = true\nhang = true\ncorrupt = { bytes = 1 }\n"),
      "test.toml:3:8: faults.profiles.p[0]: rule has more than one action: reset, hang and "
      "corrupt");
}

TEST(ConfigFaults, MisspelledKeysGetASuggestion) {
  const LoadResult result = parse("[[faults.profiles.p]]\ndealy = \"1ms\"\n");
  EXPECT_EQ(messages(result),
            (Strings{"test.toml:1:1: faults.profiles.p[0]: rule has no action; add one of delay, "
                     "abort, reset, hang, throttle, truncate, corrupt, modify, slice or slow_close",
                     "test.toml:2:1: faults.profiles.p[0].dealy: unknown key 'dealy' (did you "
                     "mean 'delay'?)"}));
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nreset = true\nmatch = { path_prefx = \"/\" }\n"),
            "test.toml:3:11: faults.profiles.p[0].match.path_prefx: unknown key 'path_prefx' (did "
            "you mean 'path_prefix'?)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"normal\", mean = "
                       "\"40ms\", stdev = \"1ms\", stddev = \"1ms\" }\n"),
            "test.toml:2:51: faults.profiles.p[0].delay.stdev: unknown key 'stdev' (did you mean "
            "'stddev'?)");
}

TEST(ConfigFaults, ProbabilityMustBeBetweenZeroAndOne) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nreset = true\nprobability = 1.5\n"),
            "test.toml:3:15: faults.profiles.p[0].probability: must be between 0 and 1");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nreset = true\nprobability = -0.1\n"),
            "test.toml:3:15: faults.profiles.p[0].probability: must be between 0 and 1");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nreset = true\nprobability = \"5%\"\n"),
            "test.toml:3:15: faults.profiles.p[0].probability: expected a number between 0 and 1");
}

TEST(ConfigFaults, DelayDurationsAreCheckedWhereTheyAre) {
  EXPECT_EQ(only_error("[[faults.profiles.flaky]]\nname = \"a\"\nreset = true\n"
                       "[[faults.profiles.flaky]]\n"
                       "delay = { distribution = \"normal\", mean = 40, stddev = \"10ms\" }\n"),
            "test.toml:5:43: faults.profiles.flaky[1].delay.mean: expected a duration like "
            "\"40ms\" (a string with a unit: us, ms, s or m)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = \"40\"\n"),
            "test.toml:2:9: faults.profiles.p[0].delay: expected a duration like \"40ms\" (missing "
            "unit: use us, ms, s or m)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = 40\n"),
            "test.toml:2:9: faults.profiles.p[0].delay: expected a duration like \"40ms\" or a "
            "table like { distribution = \"normal\", mean = \"40ms\", stddev = \"10ms\" }");
}

TEST(ConfigFaults, DistributionMustBeKnownAndComplete) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"normall\", mean = "
                       "\"1ms\" }\n"),
            "test.toml:2:26: faults.profiles.p[0].delay.distribution: unknown distribution "
            "'normall' (did you mean 'normal'?)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"gaussian\" }\n"),
            "test.toml:2:26: faults.profiles.p[0].delay.distribution: unknown distribution "
            "'gaussian' (expected \"fixed\", \"uniform\", \"normal\", \"lognormal\" or "
            "\"pareto\")");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { mean = \"1ms\" }\n"),
            "test.toml:2:9: faults.profiles.p[0].delay: delay has no distribution; add "
            "distribution = \"fixed\", \"uniform\", \"normal\", \"lognormal\" or \"pareto\"");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"normal\", mean = "
                       "\"1ms\" }\n"),
            "test.toml:2:9: faults.profiles.p[0].delay: missing stddev (normal takes mean and "
            "stddev)");
}

// The loader's names are the registry's: every registered shape is accepted by its name
// (and then asks for its own parameters), and a wrong name lists exactly the registry.
TEST(ConfigFaults, EveryRegisteredDistributionIsReadByItsName) {
  std::string listed;
  for (const auto& info : faults::kDistributionInfos) {
    const std::string name(info.name);
    const Strings errors =
        messages(parse("[[faults.profiles.p]]\ndelay = { distribution = \"" + name + "\" }\n"));
    ASSERT_FALSE(errors.empty()) << name;
    EXPECT_NE(errors[0].find("(" + name + " takes " + std::string(info.takes) + ")"),
              std::string::npos)
        << errors[0];
    if (!listed.empty()) listed += &info == &faults::kDistributionInfos.back() ? " or " : ", ";
    listed += "\"" + name + "\"";
  }
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"gaussian\" }\n"),
            "test.toml:2:26: faults.profiles.p[0].delay.distribution: unknown distribution "
            "'gaussian' (expected " +
                listed + ")");
}

TEST(ConfigFaults, DistributionParametersMustMakeSense) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"uniform\", min = "
                       "\"700ms\", max = \"200ms\" }\n"),
            "test.toml:2:58: faults.profiles.p[0].delay.max: must not be less than min (700ms)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"lognormal\", median = "
                       "\"40ms\", sigma = 0 }\n"),
            "test.toml:2:64: faults.profiles.p[0].delay.sigma: must be greater than 0");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"lognormal\", median = "
                       "\"0ms\", sigma = 1 }\n"),
            "test.toml:2:48: faults.profiles.p[0].delay.median: must be greater than 0");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"pareto\", scale = "
                       "\"10ms\", shape = -1.5 }\n"),
            "test.toml:2:60: faults.profiles.p[0].delay.shape: must be greater than 0");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"pareto\", scale = "
                       "\"10ms\", shape = 1.5, max = \"5ms\" }\n"),
            "test.toml:2:71: faults.profiles.p[0].delay.max: must not be less than scale (10ms)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"pareto\", scale = "
                       "\"10ms\", shape = \"heavy\" }\n"),
            "test.toml:2:60: faults.profiles.p[0].delay.shape: expected a number like 1.5");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"normal\", mean = "
                       "\"40ms\", stddev = \"10ms\", max = \"0ms\" }\n"),
            "test.toml:2:74: faults.profiles.p[0].delay.max: must be greater than 0");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"fixed\", value = "
                       "\"1ms\", phase = \"later\" }\n"),
            "test.toml:2:58: faults.profiles.p[0].delay.phase: expected \"request\" or "
            "\"response\"");
}

TEST(ConfigFaults, KeysOfOtherDistributionsAreUnknown) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ndelay = { distribution = \"normal\", mean = "
                       "\"1ms\", stddev = \"1ms\", sigma = 1 }\n"),
            "test.toml:2:66: faults.profiles.p[0].delay.sigma: unknown key 'sigma'");
}

TEST(ConfigFaults, AbortStatusMustBeAFinalStatus) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nabort = { status = 99 }\n"),
            "test.toml:2:20: faults.profiles.p[0].abort.status: must be between 200 and 599 (a "
            "final HTTP status)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nabort = 600\n"),
            "test.toml:2:9: faults.profiles.p[0].abort: must be between 200 and 599 (a final "
            "HTTP status)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nabort = { body = \"x\" }\n"),
            "test.toml:2:9: faults.profiles.p[0].abort: abort has no status; add status = 503 "
            "(or another, 200 to 599)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nabort = { status = 503, headers = { \"bad name\" "
                       "= \"x\" } }\n"),
            "test.toml:2:37: faults.profiles.p[0].abort.headers.\"bad name\": not a valid header "
            "name");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nabort = { status = 503, headers = { "
                       "\"Content-Length\" = \"5\" } }\n"),
            "test.toml:2:37: faults.profiles.p[0].abort.headers.Content-Length: is set by "
            "faultline from the body; leave it out");
}

TEST(ConfigFaults, OtherActionsReportTheirForms) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nreset = false\n"),
            "test.toml:2:9: faults.profiles.p[0].reset: expected true (reset = true)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nhang = \"5s\"\n"),
            "test.toml:2:8: faults.profiles.p[0].hang: expected true or a table like { for = "
            "\"5s\" }");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nhang = { for = \"0s\" }\n"),
            "test.toml:2:16: faults.profiles.p[0].hang.for: must be greater than 0");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nthrottle = { bytes_per_second = 0 }\n"),
            "test.toml:2:33: faults.profiles.p[0].throttle.bytes_per_second: must be greater "
            "than 0");
  EXPECT_EQ(messages(parse("[[faults.profiles.p]]\nthrottle = { rate = 10 }\n")),
            (Strings{"test.toml:2:12: faults.profiles.p[0].throttle: throttle has no "
                     "bytes_per_second; add bytes_per_second = \"10KiB\"",
                     "test.toml:2:14: faults.profiles.p[0].throttle.rate: unknown key 'rate'"}));
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nthrottle = 1024\n"),
            "test.toml:2:12: faults.profiles.p[0].throttle: expected a table like { "
            "bytes_per_second = \"10KiB\" }");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ntruncate = { after_bytes = -1 }\n"),
            "test.toml:2:28: faults.profiles.p[0].truncate.after_bytes: expected a size like "
            "65536 or \"64KiB\" (negative sizes are not allowed)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\ncorrupt = { bytes = 0 }\n"),
            "test.toml:2:21: faults.profiles.p[0].corrupt.bytes: must be greater than 0");
}

TEST(ConfigFaults, MatchConditionsAreChecked) {
  const std::string rule = "[[faults.profiles.p]]\nreset = true\nmatch = ";
  EXPECT_EQ(only_error(rule + "{ path_regex = \"^/api/(v1\" }\n"),
            "test.toml:3:24: faults.profiles.p[0].match.path_regex: invalid regular expression: "
            "mismatched '(' and ')'");
  EXPECT_EQ(only_error(rule + "{ path_prefix = \"api\" }\n"),
            "test.toml:3:25: faults.profiles.p[0].match.path_prefix: must start with '/'");
  EXPECT_EQ(only_error(rule + "{ methods = \"GET\" }\n"),
            "test.toml:3:21: faults.profiles.p[0].match.methods: expected an array of methods "
            "like [\"GET\", \"HEAD\"]");
  EXPECT_EQ(only_error(rule + "{ methods = [\"GET\", 1] }\n"),
            "test.toml:3:29: faults.profiles.p[0].match.methods[1]: expected a method name like "
            "\"GET\"");
  EXPECT_EQ(only_error(rule + "{ methods = [] }\n"),
            "test.toml:3:21: faults.profiles.p[0].match.methods: must not be empty (leave it out "
            "to match every method)");
  EXPECT_EQ(only_error(rule + "{ headers = { \"x-tenant\" = 5 } }\n"),
            "test.toml:3:36: faults.profiles.p[0].match.headers.x-tenant: expected a string (the "
            "exact value), true (present) or false (absent)");
  EXPECT_EQ(only_error(rule + "{ host = \"api.example.com/x\" }\n"),
            "test.toml:3:18: faults.profiles.p[0].match.host: expected a host name like "
            "\"api.example.com\"");
  EXPECT_EQ(only_error(rule + "{ route = \"apii\" }\n"),
            "test.toml:3:19: faults.profiles.p[0].match.route: unknown route 'apii' (did you "
            "mean 'api'?)");
  EXPECT_EQ(only_error(rule + "{ route = \"billing\" }\n"),
            "test.toml:3:19: faults.profiles.p[0].match.route: unknown route 'billing' (routes: "
            "api)");
  EXPECT_EQ(only_error(rule + "\"/api\"\n"),
            "test.toml:3:9: faults.profiles.p[0].match: expected a table");
}

TEST(ConfigFaults, RuleNamesMustBeUsableInAHeader) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nname = \"a, b\"\nreset = true\n"),
            "test.toml:2:8: faults.profiles.p[0].name: must not contain ',' (x-faultline-injected "
            "lists rule names separated by commas)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nname = \"\"\nreset = true\n"),
            "test.toml:2:8: faults.profiles.p[0].name: must not be empty");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nname = \"a\\nb\"\nreset = true\n"),
            "test.toml:2:8: faults.profiles.p[0].name: must not contain control characters");
}

TEST(ConfigFaults, RuleNamesAreUniqueWithinAProfile) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nname = \"errors\"\nreset = true\n"
                       "[[faults.profiles.p]]\nname = \"errors\"\nabort = 503\n"),
            "test.toml:5:8: faults.profiles.p[1].name: duplicate rule name 'errors' in profile "
            "'p' (first defined at line 2)");
  // The same name in two profiles is fine.
  faults_of(
      "[[faults.profiles.a]]\nname = \"errors\"\nreset = true\n"
      "[[faults.profiles.b]]\nname = \"errors\"\nreset = true\n");
}

TEST(ConfigFaults, EveryErrorOfARuleIsReportedAtOnce) {
  const LoadResult result = parse(
      "[[faults.profiles.p]]\nprobability = 2\n"
      "delay = { distribution = \"uniform\", min = \"1\", max = \"x\" }\n"
      "match = { route = \"nope\" }\n");
  EXPECT_EQ(result.errors.size(), 4u) << ::testing::PrintToString(messages(result));
}

}  // namespace
}  // namespace faultline::config
