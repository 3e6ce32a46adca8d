// How fired rules compose into one FaultPlan, the value the proxy executes.
#include "faults/plan.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace faultline::faults {
namespace {

using namespace std::chrono_literals;

Delay request_delay() {
  return Delay{Distribution{FixedDelay{10ms}, std::nullopt}, Phase::request};
}
Delay response_delay() {
  return Delay{Distribution{FixedDelay{10ms}, std::nullopt}, Phase::response};
}

TEST(FaultsPlan, AnEmptyPlanInjectsNothing) {
  const FaultPlan plan;
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.request_delay, 0us);
  EXPECT_EQ(plan.response_delay, 0us);
  EXPECT_FALSE(plan.terminal.has_value());
  EXPECT_FALSE(plan.throttle || plan.truncate || plan.corrupt);
  EXPECT_EQ(plan.injected_header(), "");
}

TEST(FaultsPlan, DelaysAddUpPerPhase) {
  FaultPlan plan;
  plan.add("a", request_delay(), 40ms);
  plan.add("b", request_delay(), 300ms);
  plan.add("c", response_delay(), 5ms);
  EXPECT_EQ(plan.request_delay, 340ms);
  EXPECT_EQ(plan.response_delay, 5ms);
  ASSERT_EQ(plan.applied.size(), 3u);
  EXPECT_EQ(plan.applied[0], (AppliedFault{"a", "delay", 40ms, Phase::request}));
  EXPECT_EQ(plan.applied[2], (AppliedFault{"c", "delay", 5ms, Phase::response}));
  EXPECT_EQ(plan.injected_header(), "a, b, c");
}

TEST(FaultsPlan, DelayAndAbortBothApply) {
  FaultPlan plan;
  plan.add("base latency", request_delay(), 42ms);
  plan.add("errors", Abort{503, "injected by faultline", {}});
  EXPECT_EQ(plan.request_delay, 42ms);
  ASSERT_TRUE(plan.terminal.has_value());
  EXPECT_EQ(std::get<Abort>(*plan.terminal).status, 503);
  EXPECT_EQ(std::get<Abort>(*plan.terminal).body, "injected by faultline");
  EXPECT_EQ(plan.injected_header(), "base latency, errors");
  EXPECT_EQ(plan.applied[1].kind, "abort");
}

TEST(FaultsPlan, TheFirstTerminalWinsAndLaterOnesAreSkipped) {
  FaultPlan plan;
  plan.add("first", Abort{500, {}, {}});
  plan.add("second", Reset{});
  plan.add("third", Abort{503, {}, {}});
  plan.add("fourth", Hang{});
  EXPECT_EQ(std::get<Abort>(*plan.terminal).status, 500);
  EXPECT_EQ(plan.injected_header(), "first");
}

TEST(FaultsPlan, RequestDelaysAfterATerminalStillApply) {
  FaultPlan plan;
  plan.add("reset", Reset{});
  plan.add("slow", request_delay(), 7ms);
  EXPECT_TRUE(std::holds_alternative<Reset>(*plan.terminal));
  EXPECT_EQ(plan.request_delay, 7ms);
  EXPECT_EQ(plan.injected_header(), "reset, slow");
}

TEST(FaultsPlan, ATerminalDropsWhatWouldActOnTheUpstreamResponse) {
  // Before the terminal...
  FaultPlan plan;
  plan.add("slow request", request_delay(), 1ms);
  plan.add("slow response", response_delay(), 2ms);
  plan.add("throttle", Throttle{1024});
  plan.add("truncate", Truncate{10});
  plan.add("corrupt", Corrupt{3});
  plan.add("hang", Hang{5s});
  // ...and after it.
  plan.add("late response delay", response_delay(), 4ms);
  plan.add("late throttle", Throttle{1});

  EXPECT_EQ(plan.request_delay, 1ms);
  EXPECT_EQ(plan.response_delay, 0ms);
  EXPECT_FALSE(plan.throttle || plan.truncate || plan.corrupt);
  EXPECT_EQ(std::get<Hang>(*plan.terminal).duration, 5s);
  EXPECT_EQ(plan.injected_header(), "slow request, hang");
}

TEST(FaultsPlan, BodyActionsCombineSlowestThrottleShortestTruncateCorruptSums) {
  FaultPlan plan;
  plan.add("t1", Throttle{10240});
  plan.add("t2", Throttle{2048});
  plan.add("t3", Throttle{4096});
  plan.add("cut1", Truncate{500});
  plan.add("cut2", Truncate{100});
  plan.add("c1", Corrupt{3});
  plan.add("c2", Corrupt{4});
  EXPECT_EQ(plan.throttle, Throttle{2048});
  EXPECT_EQ(plan.truncate, Truncate{100});
  EXPECT_EQ(plan.corrupt, Corrupt{7});
  EXPECT_EQ(plan.applied.size(), 7u);
  EXPECT_EQ(plan.applied[0].phase, Phase::response);
  EXPECT_FALSE(plan.terminal.has_value());
}

TEST(FaultsPlan, TruncateAtZeroBytesIsKept) {
  FaultPlan plan;
  plan.add("headers only", Truncate{0});
  EXPECT_EQ(plan.truncate, Truncate{0});
}

TEST(FaultsPlan, HugeSumsSaturate) {
  FaultPlan plan;
  plan.add("a", request_delay(), Duration::max());
  plan.add("b", request_delay(), 1s);
  EXPECT_EQ(plan.request_delay, Duration::max());
  plan.add("c", Corrupt{UINT64_MAX});
  plan.add("d", Corrupt{5});
  EXPECT_EQ(plan.corrupt->bytes, UINT64_MAX);
}

TEST(FaultsAction, KindsAndTheirNames) {
  EXPECT_EQ(kind_name(Action{request_delay()}), "delay");
  EXPECT_EQ(kind_name(Action{Abort{}}), "abort");
  EXPECT_EQ(kind_name(Action{Reset{}}), "reset");
  EXPECT_EQ(kind_name(Action{Hang{}}), "hang");
  EXPECT_EQ(kind_name(Action{Throttle{}}), "throttle");
  EXPECT_EQ(kind_name(Action{Truncate{}}), "truncate");
  EXPECT_EQ(kind_name(Action{Corrupt{}}), "corrupt");
}

TEST(FaultsAction, TerminalActionsAreExactlyThoseThatSkipTheUpstream) {
  for (const auto& info : kActionInfos) {
    EXPECT_EQ(info.terminal, info.name == "abort" || info.name == "reset" || info.name == "hang")
        << info.name;
    if (info.terminal) EXPECT_EQ(info.hook, Hook::before_upstream) << info.name;
  }
  ASSERT_NE(find_action("throttle"), nullptr);
  EXPECT_EQ(find_action("throttle")->control_header, "x-faultline-throttle");
  EXPECT_EQ(find_action("nonsense"), nullptr);
}

}  // namespace
}  // namespace faultline::faults
