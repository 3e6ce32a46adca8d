#include "proxy/fault_runtime.hpp"

namespace faultline::proxy {

FaultRuntime::FaultRuntime(const config::FaultsConfig& config)
    : seed_(faults::resolve_seed(config.seed)),
      max_active_(static_cast<std::int64_t>(config.max_active_faults)) {}

bool FaultRuntime::begin_fault() {
  if (max_active_ == 0) {
    active_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  std::int64_t active = active_.load(std::memory_order_relaxed);
  while (active < max_active_) {
    if (active_.compare_exchange_weak(active, active + 1, std::memory_order_relaxed)) return true;
  }
  overflow_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace faultline::proxy
