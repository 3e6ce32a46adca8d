#include "proxy/fault_runtime.hpp"

namespace faultline::proxy {

FaultRuntime::FaultRuntime(const config::FaultsConfig& config)
    : configured_seed_(config.seed),
      seed_(faults::resolve_seed(config.seed)),
      max_active_(static_cast<std::int64_t>(config.max_active_faults)) {}

void FaultRuntime::configure(const config::FaultsConfig& config) {
  max_active_.store(static_cast<std::int64_t>(config.max_active_faults), std::memory_order_relaxed);
  if (config.seed == configured_seed_) return;
  configured_seed_ = config.seed;
  seed_.store(faults::resolve_seed(config.seed), std::memory_order_relaxed);
  sequence_.store(0, std::memory_order_relaxed);
}

bool FaultRuntime::begin_fault() {
  const std::int64_t max_active = max_active_.load(std::memory_order_relaxed);
  if (max_active == 0) {
    active_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  std::int64_t active = active_.load(std::memory_order_relaxed);
  while (active < max_active) {
    if (active_.compare_exchange_weak(active, active + 1, std::memory_order_relaxed)) return true;
  }
  overflow_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace faultline::proxy
