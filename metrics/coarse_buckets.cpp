#include "metrics/coarse_buckets.hpp"

#include <bit>

namespace faultline::metrics {

namespace coarse {

namespace {
constexpr std::uint64_t kLinearLimit = std::uint64_t{1} << (kSubBucketHalfBits + 1);

unsigned shift_of_index(std::size_t index) {
  return index < kLinearLimit ? 0u : static_cast<unsigned>(index >> kSubBucketHalfBits) - 1u;
}
}  // namespace

std::size_t index_of(std::uint64_t value) {
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value | (kLinearLimit - 1)));
  const unsigned shift = msb - kSubBucketHalfBits;
  return (static_cast<std::size_t>(shift) << kSubBucketHalfBits) + (value >> shift);
}

std::uint64_t lowest_value(std::size_t index) {
  const unsigned shift = shift_of_index(index);
  return static_cast<std::uint64_t>(index - (static_cast<std::size_t>(shift) << kSubBucketHalfBits))
         << shift;
}

std::uint64_t highest_value(std::size_t index) {
  return lowest_value(index) + (std::uint64_t{1} << shift_of_index(index)) - 1;
}

}  // namespace coarse

std::vector<CoarseBucket> coarse_buckets(const HdrHistogram& histogram) {
  std::vector<CoarseBucket> out;
  std::size_t current = 0;
  histogram.for_each_bucket([&](const HdrBucket& bucket) {
    const std::size_t index = coarse::index_of(bucket.lowest);
    if (out.empty() || index != current) {
      const std::uint64_t low = coarse::lowest_value(index);
      out.push_back(CoarseBucket{low + (coarse::highest_value(index) - low + 1) / 2, 0});
      current = index;
    }
    out.back().count += bucket.count;
  });
  return out;
}

}  // namespace faultline::metrics
