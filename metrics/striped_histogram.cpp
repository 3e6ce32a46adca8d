#include "metrics/striped_histogram.hpp"

#include <algorithm>
#include <bit>

namespace faultline::metrics {

StripedHistogram::Stripe::Stripe() : storage(hdr::kBucketCount * sizeof(std::uint64_t)) {}

StripedHistogram::StripedHistogram(std::size_t stripes) {
  stripes_.reserve(stripes);
  for (std::size_t i = 0; i < stripes; ++i) stripes_.push_back(std::make_unique<Stripe>());
}

void StripedHistogram::snapshot_into(HdrHistogram& out) const {
  out.reset();
  std::uint64_t* merged = out.counts();
  for (const auto& stripe : stripes_) {
    const Stripe& s = *stripe;
    const std::uint32_t touched = s.touched_pages.load(std::memory_order_acquire);
    if (touched == 0) continue;
    const std::uint64_t* counts = s.counts();
    for (unsigned page = 0; page < hdr::kPageCount; ++page) {
      if ((touched & (1u << page)) == 0) continue;
      const std::size_t end = std::min(hdr::kBucketCount, (page + 1) * hdr::kPageSize);
      // Branch-free: most buckets are zero, and a data-dependent branch here mispredicts.
      std::uint64_t page_total = 0;
      for (std::size_t i = page * hdr::kPageSize; i < end; ++i) {
        const std::uint64_t c = relaxed_load(counts[i]);
        merged[i] += c;
        page_total += c;
      }
      out.count_ += page_total;
    }
    out.touched_pages_ |= touched;
    out.sum_ += s.sum.load(std::memory_order_relaxed);
    out.clamped_ += s.clamped.load(std::memory_order_relaxed);
    out.min_ = std::min(out.min_, ~s.min_complement.load(std::memory_order_relaxed));
    out.max_ = std::max(out.max_, s.max.load(std::memory_order_relaxed));
  }
  if (out.count_ == 0) {
    out.reset();
    return;
  }
  // A record in flight may have reached its bucket but not yet min or max (or the other
  // way round): keep min and max inside the extreme buckets the snapshot holds.
  // (count_ > 0, so both scans stop inside touched pages; untouched ones are never read.)
  const auto touched = out.touched_pages_;
  std::size_t first_used = std::countr_zero(touched) * hdr::kPageSize;
  while (merged[first_used] == 0) ++first_used;
  std::size_t last_used =
      std::min(hdr::kBucketCount, (32 - std::countl_zero(touched)) * hdr::kPageSize) - 1;
  while (merged[last_used] == 0) --last_used;
  out.min_ = std::clamp(out.min_, hdr::lowest_value(first_used), hdr::highest_value(first_used));
  out.max_ = std::clamp(out.max_, hdr::lowest_value(last_used),
                        std::min(hdr::highest_value(last_used), hdr::kMaxValue));
}

HdrHistogram StripedHistogram::snapshot() const {
  HdrHistogram out;
  snapshot_into(out);
  return out;
}

}  // namespace faultline::metrics
