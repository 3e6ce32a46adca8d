#include "metrics/hdr_histogram.hpp"

#include <cmath>
#include <cstring>
#include <utility>

namespace faultline::metrics {

namespace {

constexpr std::size_t kStorageBytes = hdr::kBucketCount * sizeof(std::uint64_t);

// Index range [begin, end) of a page.
std::size_t page_begin(unsigned page) {
  return page * hdr::kPageSize;
}
std::size_t page_end(unsigned page) {
  return std::min(hdr::kBucketCount, (page + 1) * hdr::kPageSize);
}

}  // namespace

HdrHistogram::HdrHistogram() : storage_(kStorageBytes) {}

HdrHistogram::HdrHistogram(const HdrHistogram& other) : storage_(kStorageBytes) {
  *this = other;
}

HdrHistogram::HdrHistogram(HdrHistogram&& other) noexcept
    : storage_(std::move(other.storage_)),
      touched_pages_(std::exchange(other.touched_pages_, 0)),
      count_(std::exchange(other.count_, 0)),
      clamped_(std::exchange(other.clamped_, 0)),
      sum_(std::exchange(other.sum_, 0)),
      min_(std::exchange(other.min_, std::numeric_limits<std::uint64_t>::max())),
      max_(std::exchange(other.max_, 0)) {}

HdrHistogram& HdrHistogram::operator=(HdrHistogram&& other) noexcept {
  if (this != &other) {
    storage_ = std::move(other.storage_);
    touched_pages_ = std::exchange(other.touched_pages_, 0);
    count_ = std::exchange(other.count_, 0);
    clamped_ = std::exchange(other.clamped_, 0);
    sum_ = std::exchange(other.sum_, 0);
    min_ = std::exchange(other.min_, std::numeric_limits<std::uint64_t>::max());
    max_ = std::exchange(other.max_, 0);
  }
  return *this;
}

HdrHistogram& HdrHistogram::operator=(const HdrHistogram& other) {
  if (this == &other) return *this;
  reset();
  merge(other);
  return *this;
}

void HdrHistogram::add_to_bucket(std::size_t index, std::uint64_t n) noexcept {
  if (n == 0 || index >= hdr::kBucketCount) return;
  const std::uint64_t value = hdr::midpoint(index);
  counts()[index] += n;
  touched_pages_ |= 1u << hdr::page_of(index);
  count_ += n;
  sum_ += value * n;
  min_ = std::min(min_, hdr::lowest_value(index));
  max_ = std::max(max_, std::min(hdr::highest_value(index), hdr::kMaxValue));
}

void HdrHistogram::restore_summary(std::uint64_t sum, std::uint64_t min,
                                   std::uint64_t max) noexcept {
  if (count_ == 0) return;
  sum_ = sum;
  min_ = min;
  max_ = max;
}

double HdrHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

double HdrHistogram::stddev() const {
  if (count_ == 0) return 0.0;
  const double m = mean();
  double squares = 0.0;
  for_each_bucket([&](const HdrBucket& b) {
    const double d = static_cast<double>(hdr::midpoint(b.index)) - m;
    squares += d * d * static_cast<double>(b.count);
  });
  return std::sqrt(squares / static_cast<double>(count_));
}

std::uint64_t HdrHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // ⌈q·count⌉, forgiving the last bit of floating-point error (0.999 · 10^6 must be
  // rank 999 000, not 999 001).
  const double exact = q * static_cast<double>(count_) * (1.0 - 1e-12);
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(exact));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  // The smallest and the largest are known exactly.
  if (rank == 1) return min_;
  if (rank == count_) return max_;

  const std::uint64_t* c = counts();
  std::uint64_t seen = 0;
  for (unsigned page = 0; page < hdr::kPageCount; ++page) {
    if ((touched_pages_ & (1u << page)) == 0) continue;
    for (std::size_t i = page_begin(page); i < page_end(page); ++i) {
      seen += c[i];
      // The exact min and max are better answers than a midpoint beyond them.
      if (seen >= rank) return std::clamp(hdr::midpoint(i), min_, max_);
    }
  }
  return max_;
}

std::uint64_t HdrHistogram::count_in(std::size_t begin, std::size_t end) const {
  end = std::min(end, hdr::kBucketCount);
  const std::uint64_t* c = counts();
  std::uint64_t total = 0;
  while (begin < end) {
    const unsigned page = hdr::page_of(begin);
    const std::size_t stop = std::min(end, page_end(page));
    if ((touched_pages_ & (1u << page)) != 0) {
      for (std::size_t i = begin; i < stop; ++i) total += c[i];
    }
    begin = stop;
  }
  return total;
}

void HdrHistogram::append_nonzero(std::vector<std::pair<std::uint32_t, std::uint64_t>>& out) const {
  const std::uint64_t* c = counts();
  for (unsigned page = 0; page < hdr::kPageCount; ++page) {
    if ((touched_pages_ & (1u << page)) == 0) continue;
    const std::size_t begin = page_begin(page);
    const std::size_t end = page_end(page);
    // Write every bucket, advance only past non-empty ones: no data-dependent branch.
    std::size_t n = out.size();
    out.resize(n + (end - begin));
    for (std::size_t i = begin; i < end; ++i) {
      out[n] = {static_cast<std::uint32_t>(i), c[i]};
      n += c[i] != 0 ? 1 : 0;
    }
    out.resize(n);
  }
}

void HdrHistogram::merge(const HdrHistogram& other) {
  if (other.count_ == 0) return;
  std::uint64_t* mine = counts();
  const std::uint64_t* theirs = other.counts();
  for (unsigned page = 0; page < hdr::kPageCount; ++page) {
    if ((other.touched_pages_ & (1u << page)) == 0) continue;
    for (std::size_t i = page_begin(page); i < page_end(page); ++i) mine[i] += theirs[i];
  }
  touched_pages_ |= other.touched_pages_;
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void HdrHistogram::reset() {
  if (storage_.data() == nullptr) {
    storage_ = ZeroedPages(kStorageBytes);  // moved from
  } else {
    std::uint64_t* c = counts();
    for (unsigned page = 0; page < hdr::kPageCount; ++page) {
      if ((touched_pages_ & (1u << page)) == 0) continue;
      std::memset(c + page_begin(page), 0, (page_end(page) - page_begin(page)) * sizeof(*c));
    }
  }
  touched_pages_ = 0;
  count_ = 0;
  clamped_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<std::uint64_t>::max();
  max_ = 0;
}

}  // namespace faultline::metrics
