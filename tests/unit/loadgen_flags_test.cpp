// The command line of `faultline bench` turned into a plan: models, defaults and usage
// errors (exit 2).
#include "loadgen/bench_flags.hpp"

#include <gtest/gtest.h>

namespace faultline::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(LoadgenFlags, RateMeansOpenModelCappedAt64Connections) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/x?y=1";
  flags.rate = 400;
  flags.duration = "5s";
  const FlagsResult result = plan_from_flags(flags, 2);
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(result.errors);
  EXPECT_EQ(result.plan->model, LoadModel::open);
  EXPECT_EQ(result.plan->connections, 64u);
  EXPECT_EQ(result.plan->threads, 2u);
  ASSERT_EQ(result.plan->stages.size(), 1u);
  EXPECT_EQ(result.plan->stages[0].rate, 400);
  EXPECT_EQ(result.plan->stages[0].duration, 5s);
  EXPECT_EQ(result.plan->requests[0].path, "/x?y=1");
}

TEST(LoadgenFlags, ConnectionsWithoutRateMeansClosedModel) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/";
  flags.connections = 1;
  const FlagsResult result = plan_from_flags(flags, 8);
  ASSERT_TRUE(result.plan);
  EXPECT_EQ(result.plan->model, LoadModel::closed);
  EXPECT_EQ(result.plan->stages[0].users, 1u);
  EXPECT_EQ(result.plan->threads, 1u);  // never more threads than connections
}

TEST(LoadgenFlags, StressBuildsRisingSteps) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/";
  flags.stress = "20,40,80";
  flags.step_duration = "2s";
  flags.break_p95 = "500ms";
  const FlagsResult result = plan_from_flags(flags, 2);
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(result.errors);
  ASSERT_EQ(result.plan->stages.size(), 3u);
  EXPECT_EQ(result.plan->stages[1].rate, 40);
  EXPECT_EQ(result.plan->stress->break_p95, 500ms);
}

TEST(LoadgenFlags, UsageErrorsAreAllReported) {
  BenchFlags flags;
  flags.url = "ftp://example/";
  flags.duration = "5 minutes";
  flags.thresholds = {"p95>1s"};
  flags.headers = {"NoColon"};
  const FlagsResult result = plan_from_flags(flags, 2);
  EXPECT_FALSE(result.plan);
  EXPECT_EQ(result.errors.size(), 4u) << ::testing::PrintToString(result.errors);
}

// What would end the request line or a field early, so that the server reads another
// request than the one asked for, is refused (the scenario file's rule too).
TEST(LoadgenFlags, HeadersAndPathsThatWouldBreakTheRequestAreUsageErrors) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/a b";
  flags.headers = {"X Bad: 1", "X-Ok: fine\r\nGET /smuggled HTTP/1.1", "X-Good: a\tb"};
  const FlagsResult result = plan_from_flags(flags, 2);
  EXPECT_FALSE(result.plan);
  const std::string all = ::testing::PrintToString(result.errors);
  ASSERT_EQ(result.errors.size(), 3u) << all;
  EXPECT_NE(result.errors[0].find("a path cannot contain byte 0x20"), std::string::npos) << all;
  EXPECT_NE(result.errors[1].find("a header name cannot contain byte 0x20"), std::string::npos)
      << all;
  EXPECT_NE(result.errors[2].find("a header value cannot contain byte 0x0d"), std::string::npos)
      << all;
}

TEST(LoadgenFlags, StressRatesMustRise) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/";
  flags.stress = "100,50";
  EXPECT_FALSE(plan_from_flags(flags, 2).plan);
}

TEST(LoadgenFlags, ScenarioExcludesLoadShapingFlags) {
  BenchFlags flags;
  flags.scenario = "s.toml";
  flags.set_flags = {"--rate"};
  const FlagsResult result = plan_from_flags(flags, 2);
  EXPECT_FALSE(result.plan);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("--rate"), std::string::npos);
}

}  // namespace
}  // namespace faultline::loadgen
