// The faultline_requests_total cells of one route, {method, code, outcome}, counted without
// a hash lookup, a lock or an allocation per request.
//
// Every combination has a fixed place: 8 methods × 600 status slots × 4 outcomes, one table
// per worker (150 KiB of address space each) in zeroed pages, so the table costs RAM only
// for the rows traffic actually uses — a handful of 4 KiB pages. Nothing is allocated
// lazily, so there is no pointer to publish and no first-request slow path. Each table
// keeps a bitmap of the (method, status) rows it ever used; a scrape walks only those and
// exports only combinations that happened.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/labels.hpp"
#include "metrics/single_writer.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/zeroed_pages.hpp"

namespace faultline::metrics {

struct RequestCount {
  Method method;
  std::size_t status_slot;
  Outcome outcome;
  std::uint64_t count;
};

class RequestCounters {
 public:
  explicit RequestCounters(std::size_t stripes);

  // Worker `stripe` only.
  void add(std::size_t stripe, Method method, unsigned status, Outcome outcome) noexcept {
    assert(stripe < stripes_.size());
    Table& t = *stripes_[stripe];
    const std::size_t row = static_cast<std::size_t>(method) * kStatusSlots + status_slot(status);
    single_writer_add(t.cells()[row * kOutcomeCount + static_cast<std::size_t>(outcome)], 1);
    // Published after the cell with release: a scrape that sees the row sees its count.
    std::atomic<std::uint64_t>& word = t.used_rows[row / 64];
    const std::uint64_t used = word.load(std::memory_order_relaxed);
    const std::uint64_t bit = std::uint64_t{1} << (row % 64);
    if ((used & bit) == 0) [[unlikely]]
      word.store(used | bit, std::memory_order_release);
  }

  // Every combination counted so far, summed over the workers; in method, status,
  // outcome order. Any thread.
  std::vector<RequestCount> snapshot() const;
  std::uint64_t total() const;

 private:
  static constexpr std::size_t kRows = kMethodCount * kStatusSlots;

  struct alignas(kCacheLine) Table {
    Table();
    std::uint64_t* cells() const { return static_cast<std::uint64_t*>(storage.data()); }

    ZeroedPages storage;  // kRows × kOutcomeCount counts, accessed through atomic_ref
    std::array<std::atomic<std::uint64_t>, (kRows + 63) / 64> used_rows{};
  };
  std::vector<std::unique_ptr<Table>> stripes_;
};

}  // namespace faultline::metrics
