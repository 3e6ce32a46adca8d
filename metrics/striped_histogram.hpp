// One HDR histogram per worker thread ("stripe"), merged into a plain HdrHistogram only
// when someone looks (a /metrics scrape, /api/v1/stats). Recording follows
// single_writer.hpp — worker `w` alone writes stripe `w`, with relaxed atomic loads and
// stores — so a record is a few integer operations with no lock, no allocation and no
// cache line shared with another worker, and a snapshot taken on another thread at the
// same time reads whole values (each bucket is at least what it was at the previous
// snapshot; a record in flight may show in one field before another).
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/hdr_histogram.hpp"
#include "metrics/hdr_layout.hpp"
#include "metrics/single_writer.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/zeroed_pages.hpp"

namespace faultline::metrics {

class StripedHistogram {
 public:
  explicit StripedHistogram(std::size_t stripes);

  std::size_t stripes() const { return stripes_.size(); }

  // Worker `stripe` only. Values above 1 h are clamped, as in HdrHistogram.
  void record(std::size_t stripe, std::uint64_t value_us) noexcept {
    assert(stripe < stripes_.size());
    Stripe& s = *stripes_[stripe];
    if (value_us > hdr::kMaxValue) [[unlikely]] {
      value_us = hdr::kMaxValue;
      single_writer_add(s.clamped, 1);
    }
    const std::size_t index = hdr::index_of(value_us);
    const std::uint32_t page_bit = 1u << hdr::page_of(index);
    single_writer_add(s.counts()[index], 1);
    // Published after the count with release, so a snapshot that sees the bit sees the
    // count; set once per page, so this is a load and a well-predicted branch.
    const std::uint32_t touched = s.touched_pages.load(std::memory_order_relaxed);
    if ((touched & page_bit) == 0) [[unlikely]]
      s.touched_pages.store(touched | page_bit, std::memory_order_release);
    single_writer_add(s.sum, value_us);
    // Minimum kept as its complement so that the zeroed start means "none yet".
    if (~value_us > s.min_complement.load(std::memory_order_relaxed)) [[unlikely]]
      s.min_complement.store(~value_us, std::memory_order_relaxed);
    if (value_us > s.max.load(std::memory_order_relaxed)) [[unlikely]]
      s.max.store(value_us, std::memory_order_relaxed);
  }

  // Replaces `out` with the merge of all stripes. Any thread, any time.
  void snapshot_into(HdrHistogram& out) const;
  HdrHistogram snapshot() const;

 private:
  struct alignas(kCacheLine) Stripe {
    Stripe();
    std::uint64_t* counts() const { return static_cast<std::uint64_t*>(storage.data()); }

    ZeroedPages storage;  // hdr::kBucketCount counts, accessed through atomic_ref
    std::atomic<std::uint32_t> touched_pages{0};
    std::atomic<std::uint64_t> sum{0};
    std::atomic<std::uint64_t> min_complement{0};
    std::atomic<std::uint64_t> max{0};
    std::atomic<std::uint64_t> clamped{0};
  };
  std::vector<std::unique_ptr<Stripe>> stripes_;
};

}  // namespace faultline::metrics
