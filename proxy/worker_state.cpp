#include "proxy/worker_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "metrics/proxy_metrics.hpp"
#include "proxy/upstream_pool.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;

namespace {

std::vector<std::string> route_names(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& route : config.routes) names.push_back(route.name);
  return names;
}

}  // namespace

Snapshot::Snapshot(std::shared_ptr<const config::Config> c, metrics::ProxyMetrics& metrics)
    : config(std::move(c)),
      routes(config->routes),
      route_metrics(metrics.routes(route_names(*config))),
      unmatched_metrics(&metrics.route(kUnmatchedRoute)) {}

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
    if (slot->idle && slot->client != nullptr) slot->client->cancel(ignored);
  }
}

void WorkerState::close_expired(Clock::time_point now) {
  boost::system::error_code ignored;
  for (SessionSlot* slot : sessions) {
    const bool client_late = now >= slot->client_read_deadline || now >= slot->client_write_deadline;
    if (slot->client != nullptr && client_late && !slot->client_expired) {
      slot->client_expired = true;
      slot->client->close(ignored);
    }
    const bool upstream_late =
        now >= slot->upstream_read_deadline || now >= slot->upstream_write_deadline;
    if (slot->upstream != nullptr && upstream_late && !slot->upstream_expired) {
      slot->upstream_expired = true;
      slot->upstream->close(ignored);
    }
  }
}

asio::awaitable<void> watch_deadlines(WorkerState& worker, Clock::duration tick) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!(worker.draining && worker.sessions.empty())) {
    timer.expires_after(tick);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    worker.close_expired(Clock::now());
  }
}

void WorkerState::close_upstream_pools() { pools.reset(); }

}  // namespace faultline::proxy
