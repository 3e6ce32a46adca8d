// Chaos experiments in scenario files: the [experiment] table and a stage's profile /
// faults keys, and how every mistake is reported ("file:line:col: key.path: message").
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "loadgen/scenario_loader.hpp"

namespace faultline::loadgen {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> messages(const ScenarioResult& result) {
  std::vector<std::string> lines;
  for (const auto& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

TEST(LoadgenExperimentScenario, StagesSwitchProfilesAndTheKillSwitch) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[experiment]
admin = "http://127.0.0.1:9901"
token_env = "FAULTLINE_ADMIN_TOKEN"
steady_state = { p99 = "50ms", error_rate = 0.001 }
recovery_within = "5s"

[[stages]]
name = "baseline"
duration = "10s"
rate = 100
profile = "none"

[[stages]]
name = "spikes"
duration = "10s"
rate = 100
profile = "spiky"

[[stages]]
name = "off"
duration = "5s"
rate = 100
faults = "off"

[[stages]]
name = "on again"
duration = "5s"
rate = 100
faults = "on"

[[stages]]
name = "quiet"
duration = "10s"
rate = 100
)",
                                               "x.toml");
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(messages(result));
  ASSERT_TRUE(result.plan->experiment);
  const ExperimentSettings& e = *result.plan->experiment;
  EXPECT_EQ(e.admin.host, "127.0.0.1");
  EXPECT_EQ(e.admin.port, 9901);
  EXPECT_EQ(e.token_env, "FAULTLINE_ADMIN_TOKEN");
  EXPECT_EQ(e.recovery_within, 5s);
  ASSERT_EQ(e.steady_state.size(), 2u);
  EXPECT_EQ(e.steady_state[0].text, "error_rate<0.001");  // TOML tables iterate by key
  EXPECT_DOUBLE_EQ(e.steady_state[0].limit, 0.001);
  EXPECT_EQ(e.steady_state[1].text, "p99<50ms");
  EXPECT_DOUBLE_EQ(e.steady_state[1].limit, 0.05);
  ASSERT_EQ(e.stage_switches.size(), 5u);
  EXPECT_EQ(e.stage_switches[0].profile, "none");
  EXPECT_EQ(e.stage_switches[1].profile, "spiky");
  EXPECT_FALSE(e.stage_switches[1].faults_enabled);
  EXPECT_EQ(e.stage_switches[2].faults_enabled, false);
  EXPECT_FALSE(e.stage_switches[2].profile);
  EXPECT_EQ(e.stage_switches[3].faults_enabled, true);
  EXPECT_FALSE(e.stage_switches[4].any());
}

TEST(LoadgenExperimentScenario, EveryMistakeIsReportedAtItsPlace) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[experiment]
admin = "http://127.0.0.1:9901/api"
token_env = "my token"
steady_state = { p98 = "50ms", error_rate = 2 }
recovery_within = "soon"
tokn = "x"

[[stages]]
duration = "500ms"
rate = 100
faults = "maybe"

[[stages]]
duration = "2s"
rate = 100
profile = ""
)",
                                               "x.toml");
  ASSERT_FALSE(result.plan);
  const std::vector<std::string> lines = messages(result);
  const std::vector<std::string> expected_prefixes = {
      "x.toml:5:9: experiment.admin: expected the admin listener's address only",
      "x.toml:6:13: experiment.token_env: expected the name of an environment variable",
      "x.toml:7:45: experiment.steady_state.error_rate: error_rate needs a fraction",
      "x.toml:7:24: experiment.steady_state.p98: unknown metric 'p98'",
      "x.toml:8:19: experiment.recovery_within: ",
      "x.toml:9:1: experiment.tokn: unknown key 'tokn'",
      "x.toml:12:12: stages[0].duration: an experiment's stage lasts at least 1s",
      "x.toml:14:10: stages[0].faults: expected \"off\" (the kill switch) or \"on\"",
      "x.toml:19:11: stages[1].profile: expected the name of one of the proxy's fault profiles",
  };
  ASSERT_EQ(lines.size(), expected_prefixes.size()) << ::testing::PrintToString(lines);
  for (const std::string& prefix : expected_prefixes) {
    bool found = false;
    for (const std::string& line : lines) found = found || line.starts_with(prefix);
    EXPECT_TRUE(found) << prefix << "\n" << ::testing::PrintToString(lines);
  }
}

TEST(LoadgenExperimentScenario, StageSwitchWithoutExperimentTableIsAnError) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[[stages]]
duration = "2s"
rate = 10
profile = "spiky"
)",
                                               "x.toml");
  ASSERT_FALSE(result.plan);
  const std::vector<std::string> lines = messages(result);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_TRUE(
      lines[0].starts_with("x.toml:7:11: stages[0].profile: a stage switches faults "
                           "through the admin API named in [experiment]"))
      << lines[0];
}

TEST(LoadgenExperimentScenario, ExperimentNeedsItsKeysAndAStageThatSwitches) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[experiment]
token_env = "T"

[[stages]]
duration = "2s"
rate = 10
)",
                                               "x.toml");
  ASSERT_FALSE(result.plan);
  const std::string all = ::testing::PrintToString(messages(result));
  for (const char* piece :
       {"x.toml:4:1: experiment: missing admin", "x.toml:4:1: experiment: missing steady_state",
        "x.toml:4:1: experiment: missing recovery_within",
        "x.toml:4:1: experiment: no stage switches faults"})
    EXPECT_NE(all.find(piece), std::string::npos) << piece << "\n" << all;
}

TEST(LoadgenExperimentScenario, TheTokenItselfIsRefused) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[experiment]
admin = "http://127.0.0.1:9901"
token = "s3cret"
steady_state = { p99 = "50ms" }
recovery_within = "5s"

[[stages]]
duration = "2s"
rate = 10
profile = "spiky"
)",
                                               "x.toml");
  ASSERT_FALSE(result.plan);
  const std::vector<std::string> lines = messages(result);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0],
            "x.toml:6:9: experiment.token: the token never goes in the file: put it in an "
            "environment variable and name that with token_env");
}

TEST(LoadgenExperimentScenario, StressAndExperimentDoNotMix) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080/"

[experiment]
admin = "http://127.0.0.1:9901"
steady_state = { p99 = "50ms" }
recovery_within = "5s"

[stress]
rates = [10, 20]
)",
                                               "x.toml");
  ASSERT_FALSE(result.plan);
  const std::string all = ::testing::PrintToString(messages(result));
  EXPECT_NE(all.find("an experiment runs its own [[stages]]: remove [stress]"), std::string::npos)
      << all;
}

TEST(LoadgenExperimentScenario, ExampleExperimentLoads) {
  const char* source_dir = std::getenv("FAULTLINE_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "ctest sets FAULTLINE_SOURCE_DIR";
  const std::string path = std::string(source_dir) + "/loadgen/examples/experiment.toml";
  const ScenarioResult result = load_scenario_file(path);
  ASSERT_TRUE(result.plan) << path << ": " << ::testing::PrintToString(messages(result));
  ASSERT_TRUE(result.plan->experiment);
  bool switches_to_spiky = false;
  for (const FaultSwitch& s : result.plan->experiment->stage_switches)
    switches_to_spiky = switches_to_spiky || s.profile == "spiky";
  EXPECT_TRUE(switches_to_spiky);
}

}  // namespace
}  // namespace faultline::loadgen
