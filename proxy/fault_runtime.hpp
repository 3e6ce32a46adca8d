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

  // A reload. A changed `seed` restarts the arrival count, so requests after the reload
  // get the decisions a fresh process with that seed would give; an unchanged one (0
  // included: the random seed stays) continues the sequence. A new max_active_faults
  // applies to faults starting from now. Calls must not overlap (LiveConfig serializes).
  void configure(const config::FaultsConfig& config);

  std::uint64_t seed() const { return seed_.load(std::memory_order_relaxed); }

  // The random source of the next request to arrive: its own stream, whatever the thread.
  faults::Rng next_request_rng() {
    return faults::Rng::for_request(seed(), sequence_.fetch_add(1, std::memory_order_relaxed));
  }

  // max_active_faults: false when the cap is reached (the request then passes unharmed
  // and is counted as overflow); otherwise the caller must call end_fault() later.
  bool begin_fault();
  void end_fault() { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint64_t overflow_count() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  std::uint64_t configured_seed_;  // the config's value (0 = random)
  std::atomic<std::uint64_t> seed_;
  std::atomic<std::int64_t> max_active_;  // 0 = no cap
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::int64_t> active_{0};
  std::atomic<std::uint64_t> overflow_{0};
};

}  // namespace faultline::proxy
