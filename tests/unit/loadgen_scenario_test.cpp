// Scenario files as users write them: what a stage list means, and how every mistake is
// reported ("file:line:col: key.path: message").
#include "loadgen/scenario_loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace faultline::loadgen {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> messages(const ScenarioResult& result) {
  std::vector<std::string> lines;
  for (const auto& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

TEST(LoadgenScenario, RampStepSpikeStagesWithWeightedMixAndThresholds) {
  const ScenarioResult result = parse_scenario(R"(
[target]
url = "http://127.0.0.1:8080/api"

[[requests]]
weight = 3
path = "/api/items"
headers = { "x-tenant" = "test" }

[[requests]]
weight = 1
method = "POST"
body = '{"a":1}'

[load]
connections = 32
threads = 2

[[stages]]
name = "ramp"
duration = "30s"
from = 0
rate = 100

[[stages]]
duration = "1m"
rate = 100

[[stages]]
name = "spike"
duration = "10s"
from = 1000
rate = 1000

[thresholds]
p95 = "300ms"
error_rate = 0.01
)",
                                               "s.toml");
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(messages(result));
  const BenchPlan& plan = *result.plan;
  EXPECT_EQ(plan.model, LoadModel::open);
  EXPECT_EQ(plan.connections, 32u);
  EXPECT_EQ(plan.threads, 2u);
  ASSERT_EQ(plan.requests.size(), 2u);
  EXPECT_EQ(plan.requests[0].path, "/api/items");
  EXPECT_EQ(plan.requests[0].weight, 3u);
  EXPECT_EQ(plan.requests[1].path, "/api");  // defaults to the target's path
  EXPECT_EQ(plan.requests[1].method, "POST");
  ASSERT_EQ(plan.stages.size(), 3u);
  EXPECT_EQ(plan.stages[0].from_rate, 0);
  EXPECT_EQ(plan.stages[1].name, "2");
  EXPECT_EQ(plan.stages[1].from_rate, 100);  // from the previous stage's rate
  EXPECT_EQ(plan.stages[1].duration, 60s);
  EXPECT_EQ(plan.stages[2].from_rate, 1000);  // a step up
  ASSERT_EQ(plan.thresholds.size(), 2u);
}

TEST(LoadgenScenario, FirstStageWithoutFromStartsAtItsOwnRate) {
  const ScenarioResult result = parse_scenario(
      "[target]\nurl = \"http://h:1/\"\n[[stages]]\nduration = \"5s\"\nrate = 50\n", "s.toml");
  ASSERT_TRUE(result.plan);
  EXPECT_EQ(result.plan->stages[0].from_rate, 50);
  EXPECT_EQ(result.plan->connections, kDefaultOpenConnections);
}

TEST(LoadgenScenario, ClosedModelUsersPerStage) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://h:1/"
[[stages]]
duration = "5s"
users = 5
[[stages]]
duration = "5s"
users = 20
)",
                                               "s.toml");
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(messages(result));
  EXPECT_EQ(result.plan->model, LoadModel::closed);
  EXPECT_EQ(result.plan->max_connections(), 20u);
}

TEST(LoadgenScenario, StressTableBecomesOneStepPerRate) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://h:1/"
[stress]
rates = [20, 40, 80]
step_duration = "2s"
break_p95 = "500ms"
break_error_rate = 0.05
)",
                                               "s.toml");
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(messages(result));
  ASSERT_TRUE(result.plan->stress);
  ASSERT_EQ(result.plan->stages.size(), 3u);
  EXPECT_EQ(result.plan->stages[2].rate, 80);
  EXPECT_EQ(result.plan->stages[2].from_rate, 80);
  EXPECT_EQ(result.plan->stress->break_p95, 500ms);
}

TEST(LoadgenScenario, EveryMistakeIsReportedAtItsPlace) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "ftp://h/"

[load]
model = "sideways"
conections = 3

[[stages]]
duration = "5 parsecs"
rate = 10
users = 3

[thresholds]
p96 = "1s"
)",
                                               "s.toml");
  ASSERT_FALSE(result.plan);
  const std::vector<std::string> lines = messages(result);
  const std::vector<std::string> expected_prefixes = {
      "s.toml:2:7: target.url: ",
      "s.toml:5:9: load.model: expected \"open\" or \"closed\"",
      "s.toml:6:1: load.conections: unknown key 'conections' (did you mean 'connections'?)",
      "s.toml:9:12: stages[0].duration: ",
      "s.toml:11:9: stages[0].users: a stage has a rate (open model) or users (closed), not both",
      "s.toml:14:7: thresholds.p96: unknown metric 'p96'",
  };
  ASSERT_EQ(lines.size(), expected_prefixes.size()) << ::testing::PrintToString(lines);
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_TRUE(lines[i].starts_with(expected_prefixes[i])) << lines[i];
}

// Found by fuzz_scenario_loader: a header name that is not a token (or a value or path with
// a control character) would make the generator send something else than one request.
TEST(LoadgenScenario, HeadersAndPathsMustMakeOneWellFormedRequest) {
  const ScenarioResult result = parse_scenario(R"([target]
url = "http://127.0.0.1:8080"

[[requests]]
path = "/a b"
headers = { "content?type" = "text/plain", "x-ok" = "line\nbreak", "x-fine" = "a\tb" }

[[stages]]
duration = "1s"
rate = 1
)",
                                               "s.toml");
  ASSERT_FALSE(result.plan);
  const std::vector<std::string> lines = messages(result);
  const std::vector<std::string> expected = {
      "s.toml:5:8: requests[0].path: a path cannot contain byte 0x20; percent-encode it (a space "
      "is %20)",
      "s.toml:6:30: requests[0].headers.\"content?type\": a header name cannot contain '?'",
      "s.toml:6:53: requests[0].headers.x-ok: a header value cannot contain byte 0x0a",
  };
  EXPECT_EQ(lines, expected);
}

TEST(LoadgenScenario, TomlSyntaxErrorHasLineAndColumn) {
  const ScenarioResult result = parse_scenario("[target]\nurl = \"http://h/\n", "bad.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 2);
  EXPECT_TRUE(result.errors[0].to_string().starts_with("bad.toml:2:"))
      << result.errors[0].to_string();
}

TEST(LoadgenScenario, MissingTargetAndStagesAreReported) {
  const ScenarioResult result = parse_scenario("[load]\nconnections = 3\n", "s.toml");
  ASSERT_FALSE(result.plan);
  const std::string all = ::testing::PrintToString(messages(result));
  EXPECT_NE(all.find("no [target] table"), std::string::npos) << all;
}

}  // namespace
}  // namespace faultline::loadgen

namespace faultline::loadgen {
namespace {

// The example scenarios of loadgen/examples/ (the README points at them) stay valid.
TEST(LoadgenScenario, ExampleScenariosLoad) {
  const char* source_dir = std::getenv("FAULTLINE_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "ctest sets FAULTLINE_SOURCE_DIR";
  for (const char* name : {"spike", "ramp", "soak", "users", "stress"}) {
    const std::string path = std::string(source_dir) + "/loadgen/examples/" + name + ".toml";
    const ScenarioResult result = load_scenario_file(path);
    EXPECT_TRUE(result.plan) << path << ": " << ::testing::PrintToString(messages(result));
  }
}

}  // namespace
}  // namespace faultline::loadgen
