// The open model's pacing: how many requests a stage list owes and when each is due.
#include "loadgen/rate_schedule.hpp"

#include <gtest/gtest.h>

namespace faultline::loadgen {
namespace {

using namespace std::chrono_literals;

Stage constant(double rate, Micros duration) {
  return Stage{"", duration, rate, rate, 0};
}
Stage ramp(double from, double to, Micros duration) {
  return Stage{"", duration, from, to, 0};
}

TEST(LoadgenRateSchedule, ConstantRateOwesRateTimesDurationEvenlySpaced) {
  const RateSchedule schedule({constant(400, 5s)});
  EXPECT_EQ(schedule.total(), 2000u);
  EXPECT_EQ(schedule.due_time(0), 0ns);
  EXPECT_EQ(schedule.due_time(1), 2500us);
  EXPECT_EQ(schedule.due_time(1999), 4997500us);
  EXPECT_EQ(schedule.due_before(5s), 2000u);
  EXPECT_EQ(schedule.due_before(2500us), 1u);  // only request 0 is due strictly before
  EXPECT_EQ(schedule.due_before(2501us), 2u);
}

TEST(LoadgenRateSchedule, LinearRampFromZeroIsQuadraticInTime) {
  // 0 -> 100/s over 10 s: N(t) = 5 t², 500 requests in all, the 125th at 5 s.
  const RateSchedule schedule({ramp(0, 100, 10s)});
  EXPECT_EQ(schedule.total(), 500u);
  EXPECT_NEAR(std::chrono::duration<double>(schedule.due_time(125)).count(), 5.0, 1e-9);
  EXPECT_NEAR(std::chrono::duration<double>(schedule.due_time(20)).count(), 2.0, 1e-9);
  for (std::uint64_t i = 1; i < schedule.total(); ++i)
    ASSERT_LT(schedule.due_time(i - 1), schedule.due_time(i)) << i;
}

TEST(LoadgenRateSchedule, RampDownAndStagesFollowEachOther) {
  // 100/s for 2 s (200), then 100 -> 0 over 2 s (100), then 50/s for 1 s (50).
  const RateSchedule schedule({constant(100, 2s), ramp(100, 0, 2s), constant(50, 1s)});
  EXPECT_EQ(schedule.total(), 350u);
  EXPECT_EQ(schedule.due_time(200), 2s);
  EXPECT_EQ(schedule.due_time(300), 4s);
  EXPECT_EQ(schedule.due_time(349), 4980ms);
  // Ramp down: 100 t - 25 t² requests after 2 s; 75 of them by 1 s into it.
  EXPECT_NEAR(std::chrono::duration<double>(schedule.due_time(275)).count(), 3.0, 1e-9);
  for (std::uint64_t i = 1; i < schedule.total(); ++i)
    ASSERT_LE(schedule.due_time(i - 1), schedule.due_time(i)) << i;
}

TEST(LoadgenRateSchedule, DueBeforeCountsExactlyTheIndicesDueEarlier) {
  const RateSchedule schedule({ramp(10, 300, 3s), constant(300, 1s)});
  for (std::uint64_t i = 0; i < schedule.total(); i += 7) {
    const auto t = schedule.due_time(i);
    EXPECT_LE(schedule.due_before(t), i) << i;
    EXPECT_GE(schedule.due_before(t + 1us), i + 1) << i;
  }
}

TEST(LoadgenRateSchedule, ZeroRateStageSendsNothingAndShiftsLaterOnes) {
  const RateSchedule schedule({constant(0, 2s), constant(10, 1s)});
  EXPECT_EQ(schedule.total(), 10u);
  EXPECT_EQ(schedule.due_time(0), 2s);
  EXPECT_EQ(schedule.due_time(9), 2900ms);
}

}  // namespace
}  // namespace faultline::loadgen
