// What fault injection shares across workers: the seed, the arrival counter that makes
// decisions a pure function of (seed, arrival order), and the cap on faults in progress.
#pragma once

#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "faults/rng.hpp"

namespace faultline::proxy {

class FaultRuntime {
 public:
  explicit FaultRuntime(const config::FaultsConfig& config);

  std::uint64_t seed() const { return seed_; }

  // The random source of the next request to arrive: its own stream, whatever the thread.
  faults::Rng next_request_rng() {
    return faults::Rng::for_request(seed_, sequence_.fetch_add(1, std::memory_order_relaxed));
  }

  // max_active_faults: false when the cap is reached (the request then passes unharmed
  // and is counted as overflow); otherwise the caller must call end_fault() later.
  bool begin_fault();
  void end_fault() { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint64_t overflow_count() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  const std::uint64_t seed_;
  const std::int64_t max_active_;  // 0 = no cap
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::int64_t> active_{0};
  std::atomic<std::uint64_t> overflow_{0};
};

}  // namespace faultline::proxy
