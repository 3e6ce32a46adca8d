// A counter and a gauge with one cell per worker thread, each cell on its own cache line
// so that two workers never write the same line. Recording follows single_writer.hpp:
// worker `w` writes only cell `w`; value() sums the cells from any thread.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "metrics/single_writer.hpp"

namespace faultline::metrics {

inline constexpr std::size_t kCacheLine = 64;

class StripedCounter {
 public:
  explicit StripedCounter(std::size_t stripes)
      : cells_(std::make_unique<Cell[]>(stripes)), stripes_(stripes) {}

  void add(std::size_t stripe, std::uint64_t n = 1) noexcept {
    assert(stripe < stripes_);
    single_writer_add(cells_[stripe].value, n);
  }

  std::uint64_t value() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < stripes_; ++i)
      total += cells_[i].value.load(std::memory_order_relaxed);
    return total;
  }

  std::size_t stripes() const { return stripes_; }

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<std::uint64_t> value{0};
  };
  std::unique_ptr<Cell[]> cells_;
  std::size_t stripes_;
};

// A gauge (in-flight requests, open connections): +1 and -1 from the worker that owns the
// request or connection. One cell may go negative if a decrement is made on another worker
// than the increment; the sum stays right.
class StripedGauge {
 public:
  explicit StripedGauge(std::size_t stripes)
      : cells_(std::make_unique<Cell[]>(stripes)), stripes_(stripes) {}

  void add(std::size_t stripe, std::int64_t delta) noexcept {
    assert(stripe < stripes_);
    single_writer_add(cells_[stripe].value, delta);
  }

  std::int64_t value() const noexcept {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < stripes_; ++i)
      total += cells_[i].value.load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<std::int64_t> value{0};
  };
  std::unique_ptr<Cell[]> cells_;
  std::size_t stripes_;
};

}  // namespace faultline::metrics
