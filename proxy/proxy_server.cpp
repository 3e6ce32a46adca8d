#include "proxy/proxy_server.hpp"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "metrics/proxy_metrics.hpp"
#include "proxy/accept_loop.hpp"
#include "proxy/access_log.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/admin_server.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/listener.hpp"
#include "proxy/worker_state.hpp"
#include "proxy/worker_threads.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

metrics::MetricsOptions metrics_options(const config::Config& config) {
  metrics::MetricsOptions options;
  options.workers = WorkerThreads::count_for(config.server.threads);
  options.version = FAULTLINE_VERSION;
  options.window = config.metrics.window;
  return options;
}

// How often each worker checks deadlines: a tenth of the shortest timeout configured,
// between 1 ms and 100 ms, so a timeout fires at most 10 % (or 100 ms) late.
Clock::duration watchdog_tick(const config::Config& config) {
  config::Duration shortest = std::min(config.server.header_timeout, config.server.idle_timeout);
  for (const auto& route : config.routes) {
    shortest = std::min({shortest, route.connect_timeout, route.request_timeout});
  }
  return std::clamp<Clock::duration>(shortest / 10, std::chrono::milliseconds(1),
                                     std::chrono::milliseconds(100));
}

}  // namespace

struct ProxyServer::Impl {
  explicit Impl(std::shared_ptr<const config::Config> c)
      : config(std::move(c)),
        metrics(metrics_options(*config)),
        faults(config->faults),
        workers(config->server.threads),
        admin_api(metrics),
        admin(config->admin, admin_api) {}
  // Idle upstream sockets close while their loops exist; then the loops go, destroying
  // any unfinished session (which unregisters from its still-living WorkerState).
  ~Impl() {
    for (auto& state : states) state->close_upstream_pools();
  }

  std::shared_ptr<const config::Config> config;
  metrics::ProxyMetrics metrics;  // outlives everything that records
  FaultRuntime faults;
  std::vector<std::unique_ptr<WorkerState>> states;  // outlives the loops below
  WorkerThreads workers;
  std::optional<tcp::acceptor> acceptor;
  std::unique_ptr<AccessLog> access_log;
  AdminApi admin_api;
  AdminServer admin;
  bool stopped = false;
};

ProxyServer::ProxyServer(std::shared_ptr<const config::Config> config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

ProxyServer::~ProxyServer() {
  if (!impl_->stopped) {
    impl_->workers.stop_now();
    impl_->workers.join();
    impl_->admin.stop();
  }
}

void ProxyServer::start() {
  auto& impl = *impl_;
  if (!impl.config->server.access_log.empty()) {
    impl.access_log = std::make_unique<AccessLog>(impl.config->server.access_log);
  }
  auto snapshot = std::make_shared<const Snapshot>(impl.config, impl.metrics);
  impl.metrics.set_active_profile(impl.config->faults.active_profile);
  for (std::size_t i = 0; i < impl.workers.size(); ++i) {
    impl.states.push_back(std::make_unique<WorkerState>(snapshot));
    impl.states.back()->access_log = impl.access_log.get();
    impl.states.back()->metrics = &impl.metrics;
    impl.states.back()->faults = &impl.faults;
    impl.states.back()->index = i;
  }
  impl.acceptor.emplace(open_acceptor(impl.workers.context(0), impl.config->server.listen));
  impl.admin.start();

  asio::co_spawn(impl.workers.context(0),
                 accept_loop(*impl.acceptor, impl.workers,
                             [this](std::size_t worker, tcp::socket socket) {
                               return run_client_session(*impl_->states[worker], std::move(socket));
                             }),
                 asio::detached);
  const auto tick = watchdog_tick(*impl.config);
  for (std::size_t i = 0; i < impl.workers.size(); ++i) {
    asio::co_spawn(impl.workers.context(i), watch_deadlines(*impl.states[i], tick), asio::detached);
  }
  impl.workers.start();
  spdlog::info("proxy listening on {} ({} worker threads, {} routes)", proxy_address(),
               impl.workers.size(), impl.config->routes.size());
  spdlog::info("admin listening on {}", admin_address());
  spdlog::info("fault profile '{}' active ({} rules), seed {}", snapshot->active_profile->name,
               snapshot->active_profile->rules.size(), impl.faults.seed());
}

std::string ProxyServer::proxy_address() const {
  return to_string(impl_->acceptor->local_endpoint());
}

std::string ProxyServer::admin_address() const {
  return impl_->admin.address();
}

bool ProxyServer::drain_and_stop() {
  auto& impl = *impl_;
  const auto drain_timeout = impl.config->server.drain_timeout;
  const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  impl.admin_api.set_ready(false);
  asio::post(impl.workers.context(0), [&impl] {
    boost::system::error_code ignored;
    impl.acceptor->close(ignored);
  });
  for (std::size_t i = 0; i < impl.workers.size(); ++i) {
    asio::post(impl.workers.context(i), [state = impl.states[i].get()] { state->begin_drain(); });
  }
  impl.workers.release();
  const bool drained = impl.workers.wait_until_idle(deadline);
  if (!drained) {
    spdlog::warn("drain: requests still in flight after drain_timeout; closing them");
    impl.workers.stop_now();
  }
  impl.workers.join();
  impl.admin.stop();
  impl.stopped = true;
  return drained;
}

}  // namespace faultline::proxy
