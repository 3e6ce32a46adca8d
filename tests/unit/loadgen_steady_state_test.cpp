// The steady-state windows of a chaos experiment: steps of the client-side histogram added
// up over a sliding window, and the hypothesis checked on each position.
#include "loadgen/steady_state.hpp"

#include <gtest/gtest.h>

#include "metrics/hdr_layout.hpp"

namespace faultline::loadgen {
namespace {

Threshold threshold(const char* text) {
  Threshold t;
  EXPECT_EQ(parse_threshold(text, t), "") << text;
  return t;
}

// `fast` answers of 1 ms and `slow` of 100 ms, and `errors` failed requests.
StepSample step(std::uint64_t fast, std::uint64_t slow = 0, std::uint64_t errors = 0) {
  StepSample s;
  s.requests = fast + slow + errors;
  s.errors = errors;
  if (fast > 0) s.latency.emplace_back(metrics::hdr::index_of(1'000), fast);
  if (slow > 0) s.latency.emplace_back(metrics::hdr::index_of(100'000), slow);
  return s;
}

TEST(LoadgenSteadyState, SparseDeltaIsWhatTheLaterSnapshotGained) {
  const SparseCounts before = {{3, 5}, {7, 1}};
  const SparseCounts after = {{1, 2}, {3, 9}, {7, 1}, {12, 4}};
  const SparseCounts expected = {{1, 2}, {3, 4}, {12, 4}};
  EXPECT_EQ(sparse_delta(before, after), expected);
  EXPECT_EQ(sparse_delta({}, after), after);
  EXPECT_TRUE(sparse_delta(after, after).empty());
}

TEST(LoadgenSteadyState, WindowSlidesOneStepAtATime) {
  SteadyStateWindows windows({threshold("p99<50ms")}, 4, 0.25);
  for (int i = 0; i < 3; ++i) windows.add(step(10));
  EXPECT_TRUE(windows.windows().empty());  // not a full window yet
  windows.add(step(10));
  windows.add(step(0, 10));  // a slow step
  for (int i = 0; i < 4; ++i) windows.add(step(10));

  const auto& w = windows.windows();
  ASSERT_EQ(w.size(), 6u);
  EXPECT_DOUBLE_EQ(w[0].start_seconds, 0.0);
  EXPECT_DOUBLE_EQ(w[1].start_seconds, 0.25);
  EXPECT_DOUBLE_EQ(w[5].start_seconds, 1.25);
  EXPECT_DOUBLE_EQ(windows.window_seconds(), 1.0);
  EXPECT_TRUE(w[0].held());
  // The slow step (the fifth, from 1.0 s) is in the windows starting at 0.25 .. 1.0.
  for (int i = 1; i <= 4; ++i) EXPECT_FALSE(w[i].held()) << i;
  EXPECT_TRUE(w[5].held());
  EXPECT_EQ(w[1].requests, 40u);
  EXPECT_EQ(w[1].answered, 40u);
  EXPECT_NEAR(w[1].figures.p99, 0.1, 0.001);
  EXPECT_NEAR(w[0].figures.p99, 0.001, 0.0001);
  EXPECT_TRUE(w[1].failure.starts_with("p99 100.")) << w[1].failure;
  EXPECT_NE(w[1].failure.find(">= 50.00ms"), std::string::npos) << w[1].failure;
}

TEST(LoadgenSteadyState, ErrorRateAndEmptyWindows) {
  SteadyStateWindows windows({threshold("error_rate<0.05")}, 2, 0.5);
  windows.add(step(95, 0, 5));
  windows.add(step(100));
  windows.add(step(0));
  windows.add(step(0));
  windows.add(step(0, 0, 3));
  const auto& w = windows.windows();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_TRUE(w[0].held()) << w[0].failure;  // 5 errors in 200 = 2.5 %
  EXPECT_DOUBLE_EQ(w[0].figures.error_rate, 0.025);
  EXPECT_TRUE(w[1].held());
  EXPECT_EQ(w[2].failure, "no request finished");  // no evidence is no steady state
  EXPECT_EQ(w[3].failure, "no request answered");
}

TEST(LoadgenSteadyState, EveryPartOfTheHypothesisMustHold) {
  SteadyStateWindows windows({threshold("p99<500ms"), threshold("error_rate<0.01")}, 1, 1.0);
  windows.add(step(90, 0, 10));
  ASSERT_EQ(windows.windows().size(), 1u);
  EXPECT_EQ(windows.windows()[0].failure, "error rate 10.00% >= 1.00%");
}

}  // namespace
}  // namespace faultline::loadgen
