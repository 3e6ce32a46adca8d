// The bucket layout every faultline histogram shares: HdrHistogram's log-linear scheme
// (Gil Tene; HdrHistogram_c `counts_index_for`), fixed at compile time so that recording
// compiles to a count-leading-zeros, a shift and an add.
//
// Values are integer microseconds. 0..2047 µs each get their own bucket. Above that,
// every power of two [2^k, 2^(k+1)) is split into 1024 equal buckets, so a bucket is
// never wider than 1/1024 of its lowest value: 3 significant digits. A value reported
// as its bucket's midpoint is within 1/2048 (0.05 %) of the value recorded.
//
// The top is one hour (3.6e9 µs); larger values are clamped to it (and counted as
// clamped by the histograms). 23 221 buckets, 8 bytes each: 181 KiB per histogram,
// of which only the pages actually written take memory (see zeroed_pages.hpp).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace faultline::metrics::hdr {

inline constexpr std::uint64_t kMaxValue = 3'600'000'000;  // 1 h in µs
inline constexpr unsigned kSubBucketHalfBits = 10;         // 1024 buckets per octave
inline constexpr std::uint64_t kLinearLimit = 2048;        // below this: 1 µs buckets

// How far a value is shifted right to find its bucket: 0 below 2048, then one more per
// power of two.
constexpr unsigned shift_of_value(std::uint64_t value) {
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value | (kLinearLimit - 1)));
  return msb - kSubBucketHalfBits;
}

// The bucket holding `value` (value ≤ kMaxValue).
constexpr std::size_t index_of(std::uint64_t value) {
  const unsigned shift = shift_of_value(value);
  return (static_cast<std::size_t>(shift) << kSubBucketHalfBits) + (value >> shift);
}

inline constexpr std::size_t kBucketCount = index_of(kMaxValue) + 1;

constexpr unsigned shift_of_index(std::size_t index) {
  return index < kLinearLimit ? 0u : static_cast<unsigned>(index >> kSubBucketHalfBits) - 1u;
}

// The smallest and largest values a bucket stands for, and the one it reports.
constexpr std::uint64_t lowest_value(std::size_t index) {
  const unsigned shift = shift_of_index(index);
  return static_cast<std::uint64_t>(index - (static_cast<std::size_t>(shift) << kSubBucketHalfBits))
         << shift;
}
constexpr std::uint64_t bucket_width(std::size_t index) {
  return std::uint64_t{1} << shift_of_index(index);
}
constexpr std::uint64_t highest_value(std::size_t index) {
  return lowest_value(index) + bucket_width(index) - 1;
}
constexpr std::uint64_t midpoint(std::size_t index) {
  return lowest_value(index) + bucket_width(index) / 2;
}

// Buckets are grouped in pages of 1024 (8 KiB of counts) so that histograms can remember
// which pages were ever written and skip the rest when merging or scanning.
inline constexpr unsigned kPageBits = kSubBucketHalfBits;
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageBits;
inline constexpr std::size_t kPageCount = (kBucketCount + kPageSize - 1) / kPageSize;
constexpr unsigned page_of(std::size_t index) {
  return static_cast<unsigned>(index >> kPageBits);
}

static_assert(kPageCount <= 32, "page masks are 32-bit");
static_assert(index_of(kLinearLimit - 1) == kLinearLimit - 1);
static_assert(index_of(kLinearLimit) == kLinearLimit);
static_assert(lowest_value(index_of(123'456)) <= 123'456 &&
              123'456 <= highest_value(index_of(123'456)));
static_assert(kBucketCount == 23'221);

}  // namespace faultline::metrics::hdr
