// The recording rule of every per-worker ("striped") metric in this folder: a stripe has
// exactly one writer, the worker thread it belongs to, and any number of readers (the
// scrape). So an increment is a relaxed load and a relaxed store — two plain moves on
// x86-64 and AArch64, no lock prefix — and cannot lose an update, while a reader on
// another thread always sees a whole 64-bit value, never a torn one. A `fetch_add`
// would be correct too but costs a locked instruction per increment for nothing
// (bench/micro/metrics_bench.cpp measures both).
//
// The price is a rule the caller must keep: worker `w` records only into stripe `w`.
#pragma once

#include <atomic>
#include <cstdint>

namespace faultline::metrics {

inline void single_writer_add(std::atomic<std::uint64_t>& cell, std::uint64_t n) noexcept {
  cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline void single_writer_add(std::atomic<std::int64_t>& cell, std::int64_t n) noexcept {
  cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// The same on plain memory (zeroed pages) that every thread accesses through atomic_ref.
inline void single_writer_add(std::uint64_t& cell, std::uint64_t n) noexcept {
  std::atomic_ref<std::uint64_t> ref(cell);
  ref.store(ref.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline std::uint64_t relaxed_load(const std::uint64_t& cell) noexcept {
  return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(cell))
      .load(std::memory_order_relaxed);
}

}  // namespace faultline::metrics
