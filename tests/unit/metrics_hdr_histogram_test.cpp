// The HDR histogram against exact answers: quantiles of a million samples from several
// latency shapes within 0.1 %, and the bookkeeping (min, max, mean, merge, clamp, reset).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "metrics/hdr_histogram.hpp"
#include "metrics/hdr_layout.hpp"

namespace faultline::metrics {
namespace {

TEST(MetricsHdrLayout, EveryBucketIsAtMostATenthOfAPercentWideAndTheyTileTheRange) {
  std::uint64_t expected_lowest = 0;
  for (std::size_t i = 0; i < hdr::kBucketCount; ++i) {
    const std::uint64_t lowest = hdr::lowest_value(i);
    const std::uint64_t highest = hdr::highest_value(i);
    ASSERT_EQ(lowest, expected_lowest) << "bucket " << i;
    ASSERT_EQ(hdr::index_of(lowest), i);
    if (highest <= hdr::kMaxValue) {
      ASSERT_EQ(hdr::index_of(highest), i);
    }
    if (i >= hdr::kLinearLimit) {
      ASSERT_LE(static_cast<double>(hdr::bucket_width(i)) / static_cast<double>(lowest),
                1.0 / 1024.0);
    } else {
      ASSERT_EQ(hdr::bucket_width(i), 1u);
    }
    expected_lowest = highest + 1;
  }
  EXPECT_GT(expected_lowest, hdr::kMaxValue);
}

// ---- Quantiles against a million samples ----

struct Distribution {
  std::string name;
  std::function<double(std::mt19937_64&)> draw;  // microseconds
};

std::vector<Distribution> distributions() {
  return {
      {"uniform_100us_to_500ms",
       [](std::mt19937_64& rng) {
         return std::uniform_real_distribution<double>(100.0, 500'000.0)(rng);
       }},
      {"exponential_mean_20ms",
       [](std::mt19937_64& rng) {
         return std::exponential_distribution<double>(1.0 / 20'000.0)(rng);
       }},
      {"lognormal_median_20ms",
       [](std::mt19937_64& rng) {
         return std::lognormal_distribution<double>(std::log(20'000.0), 1.0)(rng);
       }},
      {"bimodal_5ms_and_300ms",
       [](std::mt19937_64& rng) {
         // 70 % fast answers, 30 % behind an injected ~300 ms delay.
         if (std::bernoulli_distribution(0.7)(rng))
           return std::normal_distribution<double>(5'000.0, 1'000.0)(rng);
         return std::normal_distribution<double>(300'000.0, 50'000.0)(rng);
       }},
      {"lognormal_wide_1us_to_minutes",
       [](std::mt19937_64& rng) {
         return std::lognormal_distribution<double>(std::log(10'000.0), 3.0)(rng);
       }},
  };
}

class MetricsHdrHistogramQuantiles : public ::testing::TestWithParam<Distribution> {};

TEST_P(MetricsHdrHistogramQuantiles, MatchExactQuantilesOfAMillionSamplesWithinATenthOfAPercent) {
  constexpr std::size_t kN = 1'000'000;
  std::mt19937_64 rng(20240601);
  std::vector<std::uint64_t> values;
  values.reserve(kN);
  HdrHistogram histogram;
  for (std::size_t i = 0; i < kN; ++i) {
    const double drawn = GetParam().draw(rng);
    const auto value = static_cast<std::uint64_t>(
        std::clamp(std::llround(drawn), 1LL, static_cast<long long>(hdr::kMaxValue)));
    values.push_back(value);
    histogram.record(value);
  }
  std::sort(values.begin(), values.end());

  // Quantiles as fractions over 10 000 so the exact nearest rank is integer arithmetic.
  const std::vector<std::pair<const char*, std::uint64_t>> quantiles = {
      {"P50", 5000}, {"P90", 9000}, {"P95", 9500}, {"P99", 9900}, {"P99.9", 9990}};
  std::string report = GetParam().name + ":";
  for (const auto& [label, per_10k] : quantiles) {
    const std::uint64_t rank = (kN * per_10k + 9999) / 10000;  // ⌈q·n⌉
    const std::uint64_t exact = values[rank - 1];
    const std::uint64_t measured = histogram.quantile(static_cast<double>(per_10k) / 10000.0);
    const double error = std::abs(static_cast<double>(measured) - static_cast<double>(exact)) /
                         static_cast<double>(exact);
    EXPECT_LE(error, 0.001) << label << " exact " << exact << " µs, histogram " << measured;
    report += std::string(" ") + label + " " + std::to_string(exact) + "us err " +
              std::to_string(error * 100.0) + "%";
  }
  std::cout << "[ quantile ] " << report << "\n";

  EXPECT_EQ(histogram.count(), kN);
  EXPECT_EQ(histogram.min(), values.front());
  EXPECT_EQ(histogram.max(), values.back());
  double sum = 0;
  for (std::uint64_t v : values) sum += static_cast<double>(v);
  EXPECT_NEAR(histogram.mean(), sum / kN, 1e-6 * sum / kN);
  double squares = 0;
  for (std::uint64_t v : values) squares += std::pow(static_cast<double>(v) - sum / kN, 2);
  EXPECT_NEAR(histogram.stddev(), std::sqrt(squares / kN), 0.001 * std::sqrt(squares / kN));
}

INSTANTIATE_TEST_SUITE_P(Metrics, MetricsHdrHistogramQuantiles,
                         ::testing::ValuesIn(distributions()),
                         [](const auto& info) { return info.param.name; });

// ---- Bookkeeping ----

TEST(MetricsHdrHistogram, EmptyHistogramReportsZeros) {
  HdrHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.quantile(0.99), 0u);
}

TEST(MetricsHdrHistogram, SmallValuesAreExact) {
  HdrHistogram h;
  for (std::uint64_t v = 0; v < 2048; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.0), 0u);
  EXPECT_EQ(h.quantile(0.5), 1023u);
  EXPECT_EQ(h.quantile(1.0), 2047u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 2047u);
  EXPECT_EQ(h.sum(), 2047u * 2048u / 2u);
}

TEST(MetricsHdrHistogram, ValuesAboveOneHourAreClampedToItAndCounted) {
  HdrHistogram h;
  h.record(10);
  h.record(hdr::kMaxValue + 1);
  h.record(std::uint64_t{1} << 60);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.clamped_count(), 2u);
  EXPECT_EQ(h.max(), hdr::kMaxValue);
  EXPECT_EQ(h.quantile(1.0), hdr::kMaxValue);
  EXPECT_EQ(h.sum(), 10 + 2 * hdr::kMaxValue);
}

TEST(MetricsHdrHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> dist(std::log(20'000.0), 1.0);
  HdrHistogram a, b, both;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  b.record(hdr::kMaxValue * 2);
  both.record(hdr::kMaxValue * 2);
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.sum(), both.sum());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.clamped_count(), 1u);
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) EXPECT_EQ(a.quantile(q), both.quantile(q));
  std::vector<HdrBucket> from_a, from_both;
  a.for_each_bucket([&](const HdrBucket& x) { from_a.push_back(x); });
  both.for_each_bucket([&](const HdrBucket& x) { from_both.push_back(x); });
  ASSERT_EQ(from_a.size(), from_both.size());
  for (std::size_t i = 0; i < from_a.size(); ++i) {
    EXPECT_EQ(from_a[i].index, from_both[i].index);
    EXPECT_EQ(from_a[i].count, from_both[i].count);
  }
}

TEST(MetricsHdrHistogram, ForEachBucketVisitsNonEmptyBucketsLowestFirst) {
  HdrHistogram h;
  h.record_n(250'000, 3);
  h.record(7);
  h.record(7);
  h.record(100'000);
  std::vector<HdrBucket> seen;
  h.for_each_bucket([&](const HdrBucket& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].lowest, 7u);
  EXPECT_EQ(seen[0].count, 2u);
  EXPECT_LE(seen[1].lowest, 100'000u);
  EXPECT_GE(seen[1].highest, 100'000u);
  EXPECT_EQ(seen[2].count, 3u);
  EXPECT_LE(seen[2].lowest, 250'000u);
  EXPECT_GE(seen[2].highest, 250'000u);
}

TEST(MetricsHdrHistogram, ResetForgetsEverything) {
  HdrHistogram h;
  for (std::uint64_t v = 1; v < 1'000'000; v += 977) h.record(v);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  int buckets = 0;
  h.for_each_bucket([&](const HdrBucket&) { ++buckets; });
  EXPECT_EQ(buckets, 0);
  h.record(42);
  EXPECT_EQ(h.quantile(0.5), 42u);
  EXPECT_EQ(h.min(), 42u);
}

TEST(MetricsHdrHistogram, CopyIsIndependentOfTheOriginal) {
  HdrHistogram h;
  h.record(1000);
  HdrHistogram copy = h;
  h.record(5000);
  EXPECT_EQ(copy.count(), 1u);
  EXPECT_EQ(copy.max(), 1000u);
  EXPECT_EQ(h.count(), 2u);
}

TEST(MetricsHdrHistogram, AMovedFromHistogramCanBeAssignedAndUsedAgain) {
  HdrHistogram h;
  h.record(1000);
  HdrHistogram moved = std::move(h);
  EXPECT_EQ(moved.count(), 1u);
  h = moved;  // copy-assign into the moved-from one
  h.record(2000);
  EXPECT_EQ(h.count(), 2u);
  HdrHistogram other = std::move(h);
  h.reset();
  h.record(3);
  EXPECT_EQ(h.quantile(0.5), 3u);
  EXPECT_EQ(other.count(), 2u);
}

TEST(MetricsHdrHistogram, QuantileNeverReportsBeyondTheExactMinAndMax) {
  HdrHistogram h;
  h.record(1'000'001);  // a bucket whose midpoint is above the value
  EXPECT_EQ(h.quantile(0.5), 1'000'001u);
}

}  // namespace
}  // namespace faultline::metrics
