// The upstream latency window: observations stay in it for one window length and then
// leave, slot by slot. Time is handed in, so nothing sleeps.
#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

#include "metrics/hdr_histogram.hpp"
#include "metrics/sliding_window.hpp"

namespace faultline::metrics {
namespace {

using namespace std::chrono_literals;

// Slots are aligned to multiples of their length, so start on a boundary.
const TimePoint kStart = TimePoint{} + 1000s;

HdrHistogram values(std::uint64_t value_us, std::uint64_t n) {
  HdrHistogram h;
  h.record_n(value_us, n);
  return h;
}

TEST(MetricsSlidingWindow, DefaultsToSixtySecondsInSixSlots) {
  SlidingWindow window;
  EXPECT_EQ(window.window(), 60s);
  EXPECT_EQ(window.slot_length(), 10s);
}

TEST(MetricsSlidingWindow, ObservationsLeaveOneWindowLengthAfterTheirSlot) {
  SlidingWindow window(60s, 6);
  window.add(values(10'000, 100), kStart + 1s);    // 10 ms, slot [1000 s, 1010 s)
  window.add(values(200'000, 100), kStart + 31s);  // 200 ms, slot [1030 s, 1040 s)

  HdrHistogram merged = window.merged(kStart + 59s);
  EXPECT_EQ(merged.count(), 200u);
  EXPECT_NEAR(static_cast<double>(merged.quantile(0.25)), 10'000.0, 10.0);
  EXPECT_NEAR(static_cast<double>(merged.quantile(0.75)), 200'000.0, 200.0);

  // At 1060 s the window is [1010 s, 1070 s): the first slot has rotated out.
  merged = window.merged(kStart + 60s);
  EXPECT_EQ(merged.count(), 100u);
  EXPECT_NEAR(static_cast<double>(merged.quantile(0.5)), 200'000.0, 200.0);

  merged = window.merged(kStart + 90s);
  EXPECT_EQ(merged.count(), 0u);
}

TEST(MetricsSlidingWindow, ASlotIsReusedForNewTimeOnlyAfterBeingCleared) {
  SlidingWindow window(60s, 6);
  window.add(values(1'000, 5), kStart);
  // 60 s later the same ring position is current again: the old 5 must not come back.
  window.add(values(2'000, 3), kStart + 60s);
  const HdrHistogram merged = window.merged(kStart + 61s);
  EXPECT_EQ(merged.count(), 3u);
  EXPECT_EQ(merged.min(), 2'000u);
}

TEST(MetricsSlidingWindow, UpdateFilesOnlyWhatTheCumulativeHistogramGained) {
  SlidingWindow window(60s, 6);
  HdrHistogram cumulative;
  cumulative.record_n(5'000, 10);
  window.update(cumulative, kStart + 5s);
  cumulative.record_n(50'000, 4);
  cumulative.record_n(5'000, 1);
  window.update(cumulative, kStart + 45s);
  window.update(cumulative, kStart + 46s);  // nothing new: nothing filed twice

  EXPECT_EQ(window.merged(kStart + 50s).count(), 15u);
  // The first 10 were filed at 1005 s and leave at 1060 s; the last 5 stay until 1100 s.
  const HdrHistogram later = window.merged(kStart + 65s);
  EXPECT_EQ(later.count(), 5u);
  EXPECT_EQ(later.min(), 5'000u);
  EXPECT_NEAR(static_cast<double>(later.max()), 50'000.0, 50.0);
}

TEST(MetricsSlidingWindow, ACumulativeHistogramThatShrankCountsAsNew) {
  SlidingWindow window(60s, 6);
  HdrHistogram cumulative;
  cumulative.record_n(5'000, 10);
  window.update(cumulative, kStart);
  cumulative.reset();
  cumulative.record_n(7'000, 2);
  window.update(cumulative, kStart + 70s);
  const HdrHistogram merged = window.merged(kStart + 70s);
  EXPECT_EQ(merged.count(), 2u);
  EXPECT_EQ(merged.min(), 7'000u);
}

TEST(MetricsSlidingWindow, AClockSteppingBackFilesIntoTheNewestSlot) {
  SlidingWindow window(60s, 6);
  window.add(values(1'000, 1), kStart + 30s);
  window.add(values(1'000, 1), kStart + 5s);  // earlier than the newest slot
  EXPECT_EQ(window.merged(kStart + 31s).count(), 2u);
  EXPECT_EQ(window.merged(kStart + 85s).count(), 2u);  // both leave with the 1030 s slot
  EXPECT_EQ(window.merged(kStart + 90s).count(), 0u);
}

TEST(MetricsSlidingWindow, AConfiguredWindowOfThirtySecondsInThreeSlots) {
  SlidingWindow window(30s, 3);
  EXPECT_EQ(window.slot_length(), 10s);
  window.add(values(3'000, 7), kStart);
  EXPECT_EQ(window.merged(kStart + 29s).count(), 7u);
  EXPECT_EQ(window.merged(kStart + 30s).count(), 0u);
}

TEST(MetricsSlidingWindow, RejectsAnEmptyWindow) {
  EXPECT_THROW(SlidingWindow(0s, 6), std::invalid_argument);
  EXPECT_THROW(SlidingWindow(60s, 0), std::invalid_argument);
}

}  // namespace
}  // namespace faultline::metrics
