#include "metrics/request_counters.hpp"

#include <bit>

namespace faultline::metrics {

RequestCounters::Table::Table() : storage(kRows * kOutcomeCount * sizeof(std::uint64_t)) {}

RequestCounters::RequestCounters(std::size_t stripes) {
  stripes_.reserve(stripes);
  for (std::size_t i = 0; i < stripes; ++i) stripes_.push_back(std::make_unique<Table>());
}

std::vector<RequestCount> RequestCounters::snapshot() const {
  // Rows used by any worker, then their cells summed over all workers.
  std::array<std::uint64_t, (kRows + 63) / 64> used{};
  for (const auto& t : stripes_) {
    for (std::size_t w = 0; w < used.size(); ++w)
      used[w] |= t->used_rows[w].load(std::memory_order_acquire);
  }
  std::vector<RequestCount> out;
  for (std::size_t w = 0; w < used.size(); ++w) {
    for (std::uint64_t bits = used[w]; bits != 0; bits &= bits - 1) {
      const std::size_t row = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      std::array<std::uint64_t, kOutcomeCount> sums{};
      for (const auto& t : stripes_) {
        for (std::size_t o = 0; o < kOutcomeCount; ++o)
          sums[o] += relaxed_load(t->cells()[row * kOutcomeCount + o]);
      }
      for (std::size_t o = 0; o < kOutcomeCount; ++o) {
        if (sums[o] == 0) continue;
        out.push_back(RequestCount{static_cast<Method>(row / kStatusSlots), row % kStatusSlots,
                                   static_cast<Outcome>(o), sums[o]});
      }
    }
  }
  return out;
}

std::uint64_t RequestCounters::total() const {
  std::uint64_t total = 0;
  for (const RequestCount& c : snapshot()) total += c.count;
  return total;
}

}  // namespace faultline::metrics
