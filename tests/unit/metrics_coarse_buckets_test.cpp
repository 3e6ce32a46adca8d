// The live page's latency histogram: the proxy's HDR histogram regrouped into buckets at
// most 3.2 % wide, with no count lost, so two polls subtract into the last second's
// distribution.
#include "metrics/coarse_buckets.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace faultline::metrics {
namespace {

TEST(CoarseBuckets, EveryValueFallsInsideItsBucket) {
  for (std::uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 127ull, 128ull, 1000ull, 2047ull,
                          2048ull, 123'456ull, 3'600'000'000ull}) {
    const std::size_t i = coarse::index_of(v);
    EXPECT_LE(coarse::lowest_value(i), v) << v;
    EXPECT_GE(coarse::highest_value(i), v) << v;
  }
}

TEST(CoarseBuckets, BucketsTileTheRangeWithoutGapsAndAreAtMostThreePercentWide) {
  for (std::size_t i = 1; i < coarse::index_of(3'600'000'000); ++i) {
    EXPECT_EQ(coarse::lowest_value(i), coarse::highest_value(i - 1) + 1) << i;
    const double low = static_cast<double>(coarse::lowest_value(i));
    const double width = static_cast<double>(coarse::highest_value(i)) - low + 1;
    if (low >= 32) EXPECT_LE(width / low, 1.0 / 32 + 1e-12) << i;
  }
}

TEST(CoarseBuckets, EveryFineBucketLiesInOneCoarseBucket) {
  for (std::size_t i = 0; i < hdr::kBucketCount; ++i) {
    EXPECT_EQ(coarse::index_of(hdr::lowest_value(i)), coarse::index_of(hdr::highest_value(i))) << i;
  }
}

TEST(CoarseBuckets, KeepEveryCountAndReportMidpointsNearTheRecordedValues) {
  HdrHistogram h;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(2000.0), 1.0);
  for (int i = 0; i < 100'000; ++i) h.record(static_cast<std::uint64_t>(latency(rng)));
  const auto buckets = coarse_buckets(h);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    total += buckets[i].count;
    if (i > 0) EXPECT_LT(buckets[i - 1].midpoint_us, buckets[i].midpoint_us);
  }
  EXPECT_EQ(total, h.count());
  EXPECT_LT(buckets.size(), 400u) << "small enough to send every second";
  // The nearest-rank quantile over the coarse buckets is within one bucket's width.
  for (double q : {0.5, 0.95, 0.99, 0.999}) {
    const std::uint64_t rank =
        static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    std::uint64_t seen = 0;
    double coarse_value = 0;
    for (const auto& b : buckets) {
      seen += b.count;
      if (seen >= rank) {
        coarse_value = static_cast<double>(b.midpoint_us);
        break;
      }
    }
    const double exact = static_cast<double>(h.quantile(q));
    EXPECT_NEAR(coarse_value, exact, exact * 0.033) << q;
  }
}

TEST(CoarseBuckets, EmptyHistogramHasNoBuckets) {
  EXPECT_TRUE(coarse_buckets(HdrHistogram()).empty());
}

}  // namespace
}  // namespace faultline::metrics
