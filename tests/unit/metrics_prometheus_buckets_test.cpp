// The classic histogram buckets: fixed edges at the common SLOs, and an HDR snapshot
// converted to cumulative counts with the same count and sum.
#include <algorithm>
#include <cstdint>

#include <gtest/gtest.h>

#include "metrics/hdr_histogram.hpp"
#include "metrics/prometheus_buckets.hpp"

namespace faultline::metrics {
namespace {

std::size_t edge_index(double seconds) {
  const auto it = std::find(kBucketEdgesSeconds.begin(), kBucketEdgesSeconds.end(), seconds);
  return static_cast<std::size_t>(it - kBucketEdgesSeconds.begin());
}

TEST(MetricsPrometheusBuckets, EdgesSpanHalfAMillisecondToAMinuteWithTheSloThresholds) {
  EXPECT_EQ(kBucketEdgesSeconds.front(), 0.0005);
  EXPECT_EQ(kBucketEdgesSeconds.back(), 60.0);
  for (double slo : {0.1, 0.25, 0.3, 0.5, 1.0}) {
    EXPECT_LT(edge_index(slo), kBucketEdgesSeconds.size()) << slo;
  }
  EXPECT_TRUE(std::is_sorted(kBucketEdgesSeconds.begin(), kBucketEdgesSeconds.end()));
}

TEST(MetricsPrometheusBuckets, AValueExactlyAtAnEdgeCountsUnderThatEdge) {
  for (std::size_t i = 0; i < kBucketEdgesMicros.size(); ++i) {
    HdrHistogram h;
    h.record(kBucketEdgesMicros[i]);
    const ClassicHistogram classic = to_classic_buckets(h);
    EXPECT_EQ(classic.cumulative[i], 1u) << "le=" << kBucketEdgesSeconds[i];
    if (i > 0) {
      EXPECT_EQ(classic.cumulative[i - 1], 0u) << "le=" << kBucketEdgesSeconds[i - 1];
    }
  }
}

TEST(MetricsPrometheusBuckets, AValueJustBelowAnEdgeNeverCountsUnderTheNextOne) {
  for (std::size_t i = 0; i < kBucketEdgesMicros.size(); ++i) {
    HdrHistogram h;
    // 0.1 % below the edge: a different HDR bucket, still under this edge.
    h.record(kBucketEdgesMicros[i] - std::max<std::uint64_t>(1, kBucketEdgesMicros[i] / 1000));
    EXPECT_EQ(to_classic_buckets(h).cumulative[i], 1u) << "le=" << kBucketEdgesSeconds[i];
  }
}

TEST(MetricsPrometheusBuckets, ConversionIsCumulativeWithCountAndSum) {
  HdrHistogram h;
  h.record(300);         // ≤ 0.0005
  h.record(80'000);      // ≤ 0.1
  h.record(80'000);      // ≤ 0.1
  h.record(260'000);     // ≤ 0.3
  h.record(90'000'000);  // only +Inf
  const ClassicHistogram classic = to_classic_buckets(h);
  EXPECT_EQ(classic.cumulative[edge_index(0.0005)], 1u);
  EXPECT_EQ(classic.cumulative[edge_index(0.075)], 1u);
  EXPECT_EQ(classic.cumulative[edge_index(0.1)], 3u);
  EXPECT_EQ(classic.cumulative[edge_index(0.25)], 3u);
  EXPECT_EQ(classic.cumulative[edge_index(0.3)], 4u);
  EXPECT_EQ(classic.cumulative[edge_index(60)], 4u);
  EXPECT_EQ(classic.cumulative.back(), 5u);  // +Inf
  EXPECT_EQ(classic.count, 5u);
  EXPECT_DOUBLE_EQ(classic.sum_seconds, 0.0003 + 0.08 + 0.08 + 0.26 + 90.0);
  EXPECT_TRUE(std::is_sorted(classic.cumulative.begin(), classic.cumulative.end()));
}

TEST(MetricsPrometheusBuckets, AnEmptyHistogramHasAllZeroBuckets) {
  const ClassicHistogram classic = to_classic_buckets(HdrHistogram());
  for (std::uint64_t c : classic.cumulative) EXPECT_EQ(c, 0u);
  EXPECT_EQ(classic.count, 0u);
  EXPECT_EQ(classic.sum_seconds, 0.0);
}

}  // namespace
}  // namespace faultline::metrics
