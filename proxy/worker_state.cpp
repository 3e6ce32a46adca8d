#include "proxy/worker_state.hpp"

#include "proxy/upstream_pool.hpp"

namespace faultline::proxy {

std::unique_ptr<char[]> RelayBuffers::take() {
  if (free_.empty()) return std::make_unique_for_overwrite<char[]>(kSize);
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void RelayBuffers::give_back(std::unique_ptr<char[]> buffer) {
  // Keep a few for the next requests; a burst of parallel uploads should not pin memory.
  if (free_.size() < 16) free_.push_back(std::move(buffer));
}

WorkerState::WorkerState(std::shared_ptr<const Snapshot> s)
    : snapshot(std::move(s)), pools(std::make_unique<UpstreamPools>()) {}

WorkerState::~WorkerState() = default;

void WorkerState::begin_drain() {
  draining = true;
  for (SessionSlot* slot : sessions) {
    boost::system::error_code ignored;
    if (slot->idle && slot->socket != nullptr) slot->socket->cancel(ignored);
  }
}

void WorkerState::close_upstream_pools() { pools.reset(); }

}  // namespace faultline::proxy
