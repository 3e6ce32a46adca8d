// What decides a bench run's exit code and a stress run's stop: thresholds, the baseline
// regression gate and the step-break rule.
#include <gtest/gtest.h>

#include "loadgen/baseline.hpp"
#include "loadgen/run_result.hpp"
#include "loadgen/threshold.hpp"

namespace faultline::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(LoadgenThreshold, ParsesLatencyAndErrorRateForms) {
  Threshold t;
  ASSERT_EQ(parse_threshold("p95<300ms", t), "");
  EXPECT_EQ(t.metric, ThresholdMetric::p95);
  EXPECT_DOUBLE_EQ(t.limit, 0.3);
  ASSERT_EQ(parse_threshold(" error_rate < 0.01 ", t), "");
  EXPECT_EQ(t.metric, ThresholdMetric::error_rate);
  EXPECT_DOUBLE_EQ(t.limit, 0.01);
  ASSERT_EQ(parse_threshold("p999<2s", t), "");
  EXPECT_EQ(t.metric, ThresholdMetric::p999);
  EXPECT_NE(parse_threshold("p95>300ms", t), "");
  EXPECT_NE(parse_threshold("p96<300ms", t), "");
  EXPECT_NE(parse_threshold("p95<300", t), "");
  EXPECT_NE(parse_threshold("error_rate<2", t), "");
}

TEST(LoadgenThreshold, OnlyStrictlyBelowTheLimitPasses) {
  Threshold p95, errors;
  parse_threshold("p95<300ms", p95);
  parse_threshold("error_rate<0.01", errors);
  ThresholdInputs inputs;
  inputs.p95 = 0.3;
  inputs.error_rate = 0.009;
  const auto results = evaluate_thresholds({p95, errors}, inputs);
  EXPECT_FALSE(results[0].passed);
  EXPECT_TRUE(results[1].passed);
}

TEST(LoadgenBaseline, ReadsAJsonReportAndFlagsRegressionsBeyondTheAllowance) {
  BaselineNumbers baseline;
  ASSERT_EQ(
      parse_baseline(R"({"rps": 1000, "latency_seconds": {"p50": 0.01, "p95": 0.02, "p99": 0.04}})",
                     baseline),
      "");
  BaselineNumbers current{950, 0.0105, 0.0235, 0.04};
  const auto checks = compare_to_baseline(current, baseline, 0.1);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].metric, "p50");
  EXPECT_TRUE(checks[0].passed);   // +5 %
  EXPECT_FALSE(checks[1].passed);  // p95 +17.5 %
  EXPECT_NEAR(checks[1].change, 0.175, 1e-9);
  EXPECT_TRUE(checks[2].passed);
  EXPECT_TRUE(checks[3].passed);  // rps -5 %
  EXPECT_NE(parse_baseline("[1,2]", baseline), "");
  EXPECT_NE(parse_baseline("{\"rps\": 1}", baseline), "");
  EXPECT_NE(parse_baseline("not json", baseline), "");
}

TEST(LoadgenBaseline, RegressionAllowanceAcceptsPercentOrFraction) {
  double value = 0;
  EXPECT_EQ(parse_regression("10%", value), "");
  EXPECT_DOUBLE_EQ(value, 0.1);
  EXPECT_EQ(parse_regression("0.25", value), "");
  EXPECT_DOUBLE_EQ(value, 0.25);
  EXPECT_NE(parse_regression("ten", value), "");
  EXPECT_NE(parse_regression("-5%", value), "");
}

TEST(LoadgenStress, StepBreaksOnP95OrErrorRateAndHoldsOtherwise) {
  StressSettings limits;
  limits.break_p95 = 500ms;
  limits.break_error_rate = 0.1;
  metrics::HdrHistogram fast, slow;
  for (int i = 0; i < 100; ++i) fast.record(100'000);  // 100 ms
  for (int i = 0; i < 100; ++i) slow.record(i < 90 ? 100'000 : 800'000);
  Tally clean;
  clean.requests = 100;
  EXPECT_EQ(step_break_reason(clean, fast, limits), "");
  EXPECT_EQ(step_break_reason(clean, slow, limits).rfind("p95 ", 0), 0u);
  Tally failing = clean;
  failing.errors_of(ErrorKind::status_5xx) = 11;
  EXPECT_EQ(step_break_reason(failing, fast, limits), "error rate 11.0% > 10.0%");
  failing.errors_of(ErrorKind::status_5xx) = 10;  // exactly at the limit holds
  EXPECT_EQ(step_break_reason(failing, fast, limits), "");
}

TEST(LoadgenStress, JudgingStepsKeepsTheLastGoodOneAndTheFirstBrokenOne) {
  StressSettings limits;
  limits.break_p95 = 500ms;
  StressOutcome outcome;
  StageResult good;
  good.tally.requests = 100;
  for (int i = 0; i < 100; ++i) good.latency.record(100'000);
  EXPECT_FALSE(judge_stress_step(good, 80, limits, outcome));
  StageResult slow = good;
  for (int i = 0; i < 100; ++i) slow.latency.record(2'000'000);
  EXPECT_TRUE(judge_stress_step(slow, 160, limits, outcome));
  ASSERT_TRUE(outcome.last_good && outcome.broke_at);
  EXPECT_EQ(outcome.last_good->rate, 80);
  EXPECT_NEAR(outcome.last_good->p95_seconds, 0.1, 0.001);
  EXPECT_EQ(outcome.broke_at->rate, 160);
  EXPECT_EQ(outcome.reason.rfind("p95 2.00s > 500.00ms", 0), 0u) << outcome.reason;
}

TEST(LoadgenTally, UnsentRequestsAreErrorsButNotSentPerSecond) {
  StageResult stage;
  stage.seconds = 2;
  stage.tally.requests = 300;
  stage.tally.errors_of(ErrorKind::unsent) = 100;
  EXPECT_DOUBLE_EQ(stage.rps(), 100);
  EXPECT_NEAR(stage.tally.error_rate(), 1.0 / 3, 1e-12);
}

}  // namespace
}  // namespace faultline::loadgen
