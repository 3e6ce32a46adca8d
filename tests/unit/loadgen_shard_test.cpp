// --shard i/N and --start-at: the shares of a run add up to the run, in the open model
// request for request, and a start time means the same instant on every machine.
#include "loadgen/shard.hpp"

#include <set>

#include <gtest/gtest.h>

#include "loadgen/bench_flags.hpp"
#include "loadgen/rate_schedule.hpp"
#include "loadgen/scenario_loader.hpp"

namespace faultline::loadgen {
namespace {

TEST(LoadgenShard, ParsesZeroBasedIndexOfCount) {
  Shard shard;
  ASSERT_EQ(parse_shard("3/4", shard), "");
  EXPECT_EQ(shard.index, 3u);
  EXPECT_EQ(shard.count, 4u);
  EXPECT_NE(parse_shard("4/4", shard).find("numbered 0 to 3"), std::string::npos);
  EXPECT_NE(parse_shard("1/0", shard), "");
  EXPECT_NE(parse_shard("1", shard), "");
  EXPECT_NE(parse_shard("-1/4", shard), "");
  EXPECT_NE(parse_shard("1/4x", shard), "");
}

TEST(LoadgenShard, StartAtReadsUnixSecondsAndRfc3339WithItsZone) {
  double t = 0;
  ASSERT_EQ(parse_start_at("1767225600", t), "");
  EXPECT_EQ(t, 1767225600.0);
  ASSERT_EQ(parse_start_at("1767225600.25", t), "");
  EXPECT_EQ(t, 1767225600.25);
  ASSERT_EQ(parse_start_at("2026-01-01T00:00:00Z", t), "");
  EXPECT_EQ(t, 1767225600.0);
  ASSERT_EQ(parse_start_at("2026-01-01T01:30:00.5+01:30", t), "");
  EXPECT_EQ(t, 1767225600.5);
  ASSERT_EQ(parse_start_at("2024-02-29T12:00:00-05:00", t), "");
  EXPECT_EQ(t, 1709226000.0);
  ASSERT_EQ(parse_start_at("1970-01-01T00:00:00Z", t), "");
  EXPECT_EQ(t, 0.0);
  EXPECT_NE(parse_start_at("2026-01-01T00:00:00", t).find("time zone"), std::string::npos);
  EXPECT_NE(parse_start_at("2025-02-29T00:00:00Z", t), "");  // not a leap year
  EXPECT_NE(parse_start_at("2026-13-01T00:00:00Z", t), "");
  EXPECT_NE(parse_start_at("tomorrow", t), "");
  EXPECT_NE(parse_start_at("", t), "");
}

TEST(LoadgenShard, SharesAddUpAndDifferByAtMostOne) {
  for (unsigned total : {0u, 1u, 7u, 64u, 1001u}) {
    unsigned sum = 0;
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned share = shard_share(total, Shard{i, 4});
      EXPECT_LE(share, total / 4 + 1);
      EXPECT_GE(share, total / 4);
      sum += share;
    }
    EXPECT_EQ(sum, total);
  }
}

// The workers of shard i send requests i + N·(w + k·workers): every request of the run's
// schedule exactly once over all shards and workers.
TEST(LoadgenShard, OpenModelShardsSendEveryRequestOfTheScheduleOnce) {
  Stage ramp{"ramp", std::chrono::seconds(3), 100, 4000, 0};
  const RateSchedule schedule({ramp});
  const unsigned shards = 4, workers = 3;
  std::set<std::uint64_t> sent;
  std::uint64_t sends = 0;
  for (unsigned i = 0; i < shards; ++i)
    for (unsigned w = 0; w < workers; ++w)
      for (std::uint64_t k = i + shards * w; k < schedule.total(); k += shards * workers) {
        sent.insert(k);
        ++sends;
      }
  EXPECT_EQ(sends, schedule.total());
  EXPECT_EQ(sent.size(), schedule.total());
}

TEST(LoadgenShard, ClosedModelUsersAreSplitPerStage) {
  BenchPlan plan;
  plan.model = LoadModel::closed;
  plan.threads = 4;
  plan.stages = {Stage{"1", std::chrono::seconds(1), 0, 0, 10},
                 Stage{"2", std::chrono::seconds(1), 0, 0, 3}};
  ASSERT_TRUE(apply_shard(plan, Shard{3, 4}).empty());
  EXPECT_EQ(plan.stages[0].users, 2u);
  EXPECT_EQ(plan.stages[1].users, 0u);  // 3 users: shards 0, 1 and 2 take one each
  EXPECT_EQ(plan.threads, 2u);          // never more threads than connections
  ASSERT_TRUE(plan.shard);
  EXPECT_EQ(plan.shard->index, 3u);
}

TEST(LoadgenShard, FlagsShardTheRateRunAndRefuseImpossibleShares) {
  BenchFlags flags;
  flags.url = "http://127.0.0.1:9000/";
  flags.rate = 4000;
  flags.shard = "1/4";
  flags.start_at = "2026-01-01T00:00:00Z";
  FlagsResult result = plan_from_flags(flags, 2);
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(result.errors);
  EXPECT_EQ(result.plan->stages[0].rate, 4000);  // the whole run's rate: shards interleave
  EXPECT_EQ(result.plan->connections, 16u);      // 64 in flight over 4 shards
  EXPECT_EQ(result.plan->start_at, 1767225600.0);

  flags.connections = 2;
  flags.shard = "3/4";
  result = plan_from_flags(flags, 2);
  EXPECT_FALSE(result.plan);  // 2 connections over 4 shards leave shard 3 none

  BenchFlags stress;
  stress.url = "http://127.0.0.1:9000/";
  stress.stress = "100,200";
  stress.shard = "0/2";
  result = plan_from_flags(stress, 2);
  ASSERT_FALSE(result.plan);
  EXPECT_NE(::testing::PrintToString(result.errors).find("stress"), std::string::npos);

  flags.connections.reset();
  flags.shard = "2/2";
  EXPECT_FALSE(plan_from_flags(flags, 2).plan);
}

TEST(LoadgenShard, ScenarioCarriesTheCommonStartTime) {
  ScenarioResult result = parse_scenario(R"(
[target]
url = "http://127.0.0.1:9000/"
[load]
start_at = "2026-01-01T00:00:00Z"
[[stages]]
duration = "5s"
rate = 100
)",
                                         "s.toml", ".");
  ASSERT_TRUE(result.plan) << ::testing::PrintToString(result.errors.size());
  EXPECT_EQ(result.plan->start_at, 1767225600.0);

  result = parse_scenario(R"(
[target]
url = "http://127.0.0.1:9000/"
[load]
start_at = "soon"
[[stages]]
duration = "5s"
rate = 100
)",
                          "s.toml", ".");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].to_string().find("s.toml:5:12: load.start_at"), std::string::npos)
      << result.errors[0].to_string();
}

}  // namespace
}  // namespace faultline::loadgen
