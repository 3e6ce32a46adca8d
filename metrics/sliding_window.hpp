// Latency over the last minute (the faultline_upstream_latency_seconds summary and the
// /api/v1/stats window), from rotating histograms: the window is cut in `slots` slots
// (default 6 × 10 s), each holding what was recorded while it was current; the oldest is
// cleared when its time comes round again. The window at `now` is the slot holding `now`
// plus the slots − 1 before it, so it spans between 50 and 60 s with the defaults.
//
// The recording side is not touched: workers record only into their cumulative
// StripedHistogram, and update() files whatever a cumulative snapshot gained since the
// previous update into the current slot. An observation therefore lands in the slot of
// the update that first saw it: call update() from a periodic timer (every second keeps
// slot attribution within a second) as well as on each scrape. Slots store only their
// non-empty buckets, so a window costs memory in proportion to the distinct latencies
// seen, not 181 KiB per slot.
//
// Time is a parameter: nothing here reads a clock, so tests drive it by hand. Not
// thread-safe: its owner serialises calls (RouteMetrics does, off the hot path).
#pragma once

#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "metrics/hdr_histogram.hpp"

namespace faultline::metrics {

using TimePoint = std::chrono::steady_clock::time_point;

class SlidingWindow {
 public:
  explicit SlidingWindow(std::chrono::nanoseconds window = std::chrono::seconds(60),
                         std::size_t slots = 6);

  std::chrono::nanoseconds window() const { return slot_length_ * slots_.size(); }
  std::chrono::nanoseconds slot_length() const { return slot_length_; }

  // Adds the observations in `delta` to the slot holding `now`.
  void add(const HdrHistogram& delta, TimePoint now);

  // Adds what `cumulative` — a histogram that only grows, such as a StripedHistogram's
  // snapshot — gained since the previous update to the slot holding `now`. If it shrank
  // (it was reset), all of it counts as new.
  void update(const HdrHistogram& cumulative, TimePoint now);

  // Replaces `out` with the observations of the window ending at `now`. Bucket-exact; sum,
  // min and max come from bucket midpoints and edges.
  void merge_into(HdrHistogram& out, TimePoint now) const;
  HdrHistogram merged(TimePoint now) const;

 private:
  using SparseCounts = std::vector<std::pair<std::uint32_t, std::uint64_t>>;  // index, count

  static constexpr std::int64_t kNoEpoch = INT64_MIN;

  struct Slot {
    std::int64_t epoch = kNoEpoch;  // which slot_length-long stretch of time it holds
    SparseCounts buckets;           // sorted by index
  };

  std::int64_t epoch_of(TimePoint t) const;
  void add_sparse(const SparseCounts& delta, TimePoint now);

  std::chrono::nanoseconds slot_length_;
  std::vector<Slot> slots_;
  std::int64_t newest_epoch_ = kNoEpoch;
  SparseCounts last_cumulative_;  // what update() saw last time
  std::uint64_t last_cumulative_count_ = 0;
  SparseCounts current_;  // reused by update()
  SparseCounts scratch_;  // reused by add_sparse()
};

}  // namespace faultline::metrics
