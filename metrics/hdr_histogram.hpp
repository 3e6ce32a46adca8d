// A high-dynamic-range latency histogram for one thread (HdrHistogram's idea, see
// hdr_layout.hpp): values in integer microseconds from 0 to 1 h, 3 significant digits.
//
// record() is a clz, a shift and a few adds into a flat array sized at construction; it
// never locks or allocates. Quantiles are exact to the bucket: the reported value is the
// bucket's midpoint, within 0.05 % of the recorded one. For recording from several
// threads see StripedHistogram; this class is the snapshot they merge into.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "metrics/hdr_layout.hpp"
#include "metrics/zeroed_pages.hpp"

namespace faultline::metrics {

class StripedHistogram;

// One non-empty bucket, as seen when iterating a histogram.
struct HdrBucket {
  std::size_t index;
  std::uint64_t lowest;   // µs, inclusive
  std::uint64_t highest;  // µs, inclusive
  std::uint64_t count;
};

class HdrHistogram {
 public:
  HdrHistogram();
  HdrHistogram(const HdrHistogram& other);
  HdrHistogram& operator=(const HdrHistogram& other);
  // A moved-from histogram holds no counts array: destroy it, or reset() or assign to it
  // (both give it a new one) before using it again.
  HdrHistogram(HdrHistogram&& other) noexcept;
  HdrHistogram& operator=(HdrHistogram&& other) noexcept;

  // Values above hdr::kMaxValue (1 h) are recorded as 1 h and counted in clamped_count().
  void record(std::uint64_t value_us) noexcept { record_n(value_us, 1); }
  void record_n(std::uint64_t value_us, std::uint64_t n) noexcept {
    if (value_us > hdr::kMaxValue) [[unlikely]] {
      value_us = hdr::kMaxValue;
      clamped_ += n;
    }
    const std::size_t index = hdr::index_of(value_us);
    counts()[index] += n;
    touched_pages_ |= 1u << hdr::page_of(index);
    count_ += n;
    sum_ += value_us * n;
    min_ = std::min(min_, value_us);
    max_ = std::max(max_, value_us);
  }

  // Adds `n` values known only by their bucket (from a window slot): the bucket's
  // midpoint stands in for them in sum, min and max.
  void add_to_bucket(std::size_t index, std::uint64_t n) noexcept;
  // A histogram rebuilt bucket by bucket (a decoded report) knows its sum, min and max
  // only to the bucket; this puts back the recorded figures where they were kept. Ignored
  // while empty.
  void restore_summary(std::uint64_t sum, std::uint64_t min, std::uint64_t max) noexcept;

  std::uint64_t count() const { return count_; }
  std::uint64_t clamped_count() const { return clamped_; }
  std::uint64_t sum() const { return sum_; }  // µs, exact for recorded values
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;    // µs
  double stddev() const;  // µs, population, from bucket midpoints

  // The value at quantile q in [0, 1] by nearest rank (the ⌈q·count⌉-th smallest, at
  // least the first), reported as its bucket's midpoint; 0 when empty.
  std::uint64_t quantile(double q) const;

  void merge(const HdrHistogram& other);
  void reset();  // may allocate only after a move

  // The number of values in buckets [begin, end).
  std::uint64_t count_in(std::size_t begin, std::size_t end) const;

  // Appends (index, count) of every non-empty bucket, lowest first. Branch-free, so much
  // faster than for_each_bucket when most buckets of the touched pages are in use.
  void append_nonzero(std::vector<std::pair<std::uint32_t, std::uint64_t>>& out) const;

  // Calls f(const HdrBucket&) for every non-empty bucket, lowest values first.
  template <class F>
  void for_each_bucket(F&& f) const {
    const std::uint64_t* c = counts();
    for (unsigned page = 0; page < hdr::kPageCount; ++page) {
      if ((touched_pages_ & (1u << page)) == 0) continue;
      const std::size_t end = std::min(hdr::kBucketCount, (page + 1) * hdr::kPageSize);
      for (std::size_t i = page * hdr::kPageSize; i < end; ++i) {
        if (c[i] != 0) f(HdrBucket{i, hdr::lowest_value(i), hdr::highest_value(i), c[i]});
      }
    }
  }

 private:
  friend class StripedHistogram;  // merges stripes with their exact sum, min and max

  std::uint64_t* counts() const { return static_cast<std::uint64_t*>(storage_.data()); }

  ZeroedPages storage_;
  std::uint32_t touched_pages_ = 0;  // bit p: page p of counts may be non-zero
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace faultline::metrics
