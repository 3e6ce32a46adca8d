#include "metrics/sliding_window.hpp"

#include <algorithm>
#include <stdexcept>

namespace faultline::metrics {

SlidingWindow::SlidingWindow(std::chrono::nanoseconds window, std::size_t slots) {
  if (slots == 0 || window.count() <= 0 || window.count() < static_cast<std::int64_t>(slots))
    throw std::invalid_argument("sliding window: need a positive window and at least one slot");
  slot_length_ = window / static_cast<std::int64_t>(slots);
  slots_.resize(slots);
}

std::int64_t SlidingWindow::epoch_of(TimePoint t) const {
  const std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const std::int64_t len = slot_length_.count();
  return ns >= 0 ? ns / len : -((-ns + len - 1) / len);  // floor division
}

void SlidingWindow::add(const HdrHistogram& delta, TimePoint now) {
  SparseCounts sparse;
  delta.for_each_bucket([&](const HdrBucket& b) {
    sparse.emplace_back(static_cast<std::uint32_t>(b.index), b.count);
  });
  add_sparse(sparse, now);
}

void SlidingWindow::update(const HdrHistogram& cumulative, TimePoint now) {
  // Nothing recorded since the last update (a cumulative histogram only grows, so the same
  // count means the same contents): no delta to file, just rotate.
  if (cumulative.count() == last_cumulative_count_ && newest_epoch_ != kNoEpoch) {
    add_sparse({}, now);
    return;
  }
  current_.clear();
  cumulative.append_nonzero(current_);
  SparseCounts delta;
  bool shrank = cumulative.count() < last_cumulative_count_;
  auto last = last_cumulative_.begin();
  for (const auto& [index, count] : current_) {
    while (last != last_cumulative_.end() && last->first < index) ++last;
    const std::uint64_t before =
        (last != last_cumulative_.end() && last->first == index) ? last->second : 0;
    if (count < before) shrank = true;
    if (count > before) delta.emplace_back(index, count - before);
  }
  if (shrank) delta = current_;
  last_cumulative_.swap(current_);
  last_cumulative_count_ = cumulative.count();
  add_sparse(delta, now);
}

void SlidingWindow::add_sparse(const SparseCounts& delta, TimePoint now) {
  // A clock that steps back files into the newest slot rather than reopening an old one.
  const std::int64_t epoch = std::max(epoch_of(now), newest_epoch_);
  newest_epoch_ = epoch;
  const auto slot_count = static_cast<std::int64_t>(slots_.size());
  Slot& slot = slots_[static_cast<std::size_t>(((epoch % slot_count) + slot_count) % slot_count)];
  if (slot.epoch != epoch) {
    slot.epoch = epoch;
    slot.buckets.clear();
  }
  if (delta.empty()) return;
  // Merge two sorted sparse lists.
  scratch_.clear();
  scratch_.reserve(slot.buckets.size() + delta.size());
  auto a = slot.buckets.begin();
  auto b = delta.begin();
  while (a != slot.buckets.end() || b != delta.end()) {
    if (b == delta.end() || (a != slot.buckets.end() && a->first < b->first)) {
      scratch_.push_back(*a++);
    } else if (a == slot.buckets.end() || b->first < a->first) {
      scratch_.push_back(*b++);
    } else {
      scratch_.emplace_back(a->first, a->second + b->second);
      ++a;
      ++b;
    }
  }
  slot.buckets.swap(scratch_);
}

void SlidingWindow::merge_into(HdrHistogram& out, TimePoint now) const {
  out.reset();
  const std::int64_t current = epoch_of(now);
  const auto count = static_cast<std::int64_t>(slots_.size());
  for (const Slot& slot : slots_) {
    if (slot.epoch == kNoEpoch || slot.epoch > current || slot.epoch <= current - count) continue;
    for (const auto& [index, n] : slot.buckets) out.add_to_bucket(index, n);
  }
}

HdrHistogram SlidingWindow::merged(TimePoint now) const {
  HdrHistogram out;
  merge_into(out, now);
  return out;
}

}  // namespace faultline::metrics
