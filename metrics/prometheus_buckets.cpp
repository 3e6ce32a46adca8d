#include "metrics/prometheus_buckets.hpp"

namespace faultline::metrics {

static_assert(
    [] {
      for (std::size_t i = 0; i < kBucketEdgesMicros.size(); ++i) {
        if (static_cast<double>(kBucketEdgesMicros[i]) / 1e6 != kBucketEdgesSeconds[i])
          return false;
        if (i > 0 && kBucketEdgesMicros[i - 1] >= kBucketEdgesMicros[i]) return false;
      }
      return true;
    }(),
    "the two edge tables must agree and rise");

ClassicHistogram to_classic_buckets(const HdrHistogram& histogram) {
  // HDR bucket i counts under the first edge at or above its lowest value, so edge j takes
  // the HDR buckets up to and including the one holding the edge itself.
  ClassicHistogram out;
  std::size_t begin = 0;
  std::uint64_t running = 0;
  for (std::size_t j = 0; j < kBucketEdgesMicros.size(); ++j) {
    const std::size_t end = hdr::index_of(kBucketEdgesMicros[j]) + 1;
    running += histogram.count_in(begin, end);
    out.cumulative[j] = running;
    begin = end;
  }
  out.cumulative.back() = running + histogram.count_in(begin, hdr::kBucketCount);
  out.count = histogram.count();
  out.sum_seconds = static_cast<double>(histogram.sum()) / 1e6;
  return out;
}

}  // namespace faultline::metrics
