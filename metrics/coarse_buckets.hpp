// A histogram's counts regrouped into 32 buckets per power of two (each at most 3.2 %
// wide), small enough to send to a browser every second. The live page subtracts two
// successive snapshots to get the latency distribution of the second between them, so the
// proxy keeps no history of its own for it.
//
// The layout is hdr_layout.hpp's with 5 sub-bucket bits instead of 10: every fine bucket
// lies inside exactly one coarse bucket, so regrouping loses no count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "metrics/hdr_histogram.hpp"

namespace faultline::metrics {

struct CoarseBucket {
  std::uint64_t midpoint_us;  // the value the bucket reports, as HdrHistogram::quantile does
  std::uint64_t count;
};

namespace coarse {
inline constexpr unsigned kSubBucketHalfBits = 5;
std::size_t index_of(std::uint64_t value_us);
std::uint64_t lowest_value(std::size_t index);
std::uint64_t highest_value(std::size_t index);
}  // namespace coarse

// The non-empty coarse buckets of `histogram`, lowest first.
std::vector<CoarseBucket> coarse_buckets(const HdrHistogram& histogram);

}  // namespace faultline::metrics
