#include "proxy/worker_state.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "faults/rule.hpp"
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

Clock::duration watchdog_tick_for(const config::Config& config) {
  faultline::Duration shortest = std::min(config.server.header_timeout, config.server.idle_timeout);
  for (const auto& route : config.routes) {
    shortest = std::min({shortest, route.connect_timeout, route.request_timeout});
  }
  return std::clamp<Clock::duration>(shortest / 10, std::chrono::milliseconds(1),
                                     std::chrono::milliseconds(100));
}

}  // namespace

Snapshot::Snapshot(std::shared_ptr<const config::Config> c, metrics::ProxyMetrics& m,
                   std::string_view profile, bool enabled)
    : config(std::move(c)),
      routes(config->routes),
      route_metrics(m.routes(route_names(*config))),
      unmatched_metrics(&m.route(kUnmatchedRoute)),
      active_profile(config->faults.find_profile(profile)),
      faults_enabled(enabled),
      watchdog_tick(watchdog_tick_for(*config)),
      metrics(&m) {
  if (active_profile == nullptr) {
    active_profile = config->faults.find_profile(faults::kNoneProfileName);
  }
  for (const auto& route : config->routes) {
    auto& counters = fault_counters.emplace_back();
    for (const auto& rule : active_profile->rules) {
      const std::string kind(faults::kind_name(rule.action));
      counters[rule.name + '\n' + kind] =
          &m.faults_injected(route.name, active_profile->name, rule.name, kind);
    }
  }
}

metrics::StripedCounter& Snapshot::fault_counter(std::size_t route, std::string_view rule,
                                                 std::string_view kind) const {
  const auto& counters = fault_counters[route];
  std::string key(rule);
  key += '\n';
  key += kind;
  if (auto it = counters.find(key); it != counters.end()) {
    return *it->second;
  }
  // A header-control rule: rare, and the registry call locks only briefly.
  return metrics->faults_injected(config->routes[route].name, active_profile->name, rule, kind);
}

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
    : snapshot(std::move(s)), pools(std::make_unique<UpstreamPools>()) {
  pools->adopt(snapshot->config->routes);
}

void WorkerState::install(std::shared_ptr<const Snapshot> next) {
  snapshot = std::move(next);
  if (pools) pools->adopt(snapshot->config->routes);
}

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
    const bool client_late =
        now >= slot->client_read_deadline || now >= slot->client_write_deadline;
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

asio::awaitable<void> watch_deadlines(WorkerState& worker) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!(worker.draining && worker.sessions.empty())) {
    timer.expires_after(worker.snapshot->watchdog_tick);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    worker.close_expired(Clock::now());
  }
}

void WorkerState::close_upstream_pools() {
  pools.reset();
}

}  // namespace faultline::proxy
