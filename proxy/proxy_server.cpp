#include "proxy/proxy_server.hpp"

#include <ctime>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "base/units.hpp"
#include "config/config_watcher.hpp"
#include "http/server.hpp"
#include "metrics/proxy_metrics.hpp"
#include "net/accept_loop.hpp"
#include "net/listener.hpp"
#include "net/tls_context.hpp"
#include "net/worker_threads.hpp"
#include "proxy/access_log.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/live_config.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string format_unix_time(long long seconds) {
  const std::time_t when = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&when, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

// Said once at start: what the listener serves, and every route that does not verify.
void log_tls_settings(const config::Config& config) {
  if (config.server.tls) {
    const auto& certificate = config.server.tls->certificate;
    spdlog::info(
        "TLS listener: certificate '{}' from {} (expires {}), reloaded when the files "
        "change",
        certificate.subject, config.server.tls_cert, format_unix_time(certificate.not_after));
  }
  for (const auto& route : config.routes) {
    if (route.upstream.https && !route.tls.verify) {
      spdlog::warn("route '{}': tls_verify = false: the certificate of {} is not verified",
                   route.name, route.upstream.url);
    }
  }
}

metrics::MetricsOptions metrics_options(const config::Config& config) {
  metrics::MetricsOptions options;
  options.workers = net::WorkerThreads::count_for(config.server.threads);
  options.version = FAULTLINE_VERSION;
  options.window = config.metrics.window;
  return options;
}

}  // namespace

struct ProxyServer::Impl {
  Impl(std::shared_ptr<const config::Config> c, std::string config_path)
      : config(std::move(c)),
        metrics(metrics_options(*config)),
        faults(config->faults),
        live(config, std::move(config_path), metrics, faults),
        workers(config->server.threads),
        admin_api(metrics, live),
        admin(config->admin.listen, admin_api,
              http::ServerLimits{config->server.header_timeout, config->server.max_header_bytes,
                                 http::ServerLimits{}.max_body_bytes}) {}
  // Idle upstream sockets close while their loops exist; then the loops go, destroying
  // any unfinished session (which unregisters from its still-living WorkerState).
  ~Impl() {
    for (auto& state : states) state->close_upstream_pools();
  }

  // The config the process started with: listeners, threads and the access log come
  // from it (a reload does not move them; see config/restart_settings.hpp).
  std::shared_ptr<const config::Config> config;
  metrics::ProxyMetrics metrics;  // outlives everything that records
  FaultRuntime faults;
  LiveConfig live;
  std::vector<std::unique_ptr<WorkerState>> states;  // outlives the loops below
  net::WorkerThreads workers;
  std::optional<tcp::acceptor> acceptor;
  std::unique_ptr<AccessLog> access_log;
  AdminApi admin_api;
  http::Server admin;
  std::unique_ptr<config::ConfigWatcher> watcher;  // stopped first: it calls into `live`
  FaultObserver observer;
  bool stopped = false;
};

ProxyServer::ProxyServer(std::shared_ptr<const config::Config> config, std::string config_path)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(config_path))) {}

ProxyServer::~ProxyServer() {
  if (impl_->watcher) impl_->watcher->stop();
  if (!impl_->stopped) {
    impl_->workers.stop_now();
    impl_->workers.join();
    impl_->admin.stop();
  }
}

void ProxyServer::start() {
  auto& impl = *impl_;
  if (!impl.config->server.access_log.empty()) {
    impl.access_log = std::make_unique<AccessLog>(
        impl.config->server.access_log,
        [&metrics = impl.metrics] { metrics.record_access_log_error(); });
  }
  auto snapshot = impl.live.current();
  for (std::size_t i = 0; i < impl.workers.size(); ++i) {
    impl.states.push_back(std::make_unique<WorkerState>(snapshot));
    impl.states.back()->access_log = impl.access_log.get();
    impl.states.back()->metrics = &impl.metrics;
    impl.states.back()->faults = &impl.faults;
    impl.states.back()->index = i;
  }
  // Snapshots made from now on go to every worker, in order (each loop runs its posted
  // handlers first come, first served).
  impl.live.set_publisher([&impl](std::shared_ptr<const Snapshot> next) {
    for (std::size_t i = 0; i < impl.states.size(); ++i) {
      asio::post(impl.workers.context(i),
                 [state = impl.states[i].get(), next] { state->install(next); });
    }
    if (impl.observer) {
      impl.observer(FaultState{next->config, next->active_profile->name, next->faults_enabled});
    }
  });
  if (impl.observer) {
    impl.observer(
        FaultState{snapshot->config, snapshot->active_profile->name, snapshot->faults_enabled});
  }
  impl.acceptor.emplace(net::open_acceptor(impl.workers.context(0), impl.config->server.listen));
  impl.admin.start();

  asio::co_spawn(impl.workers.context(0),
                 net::accept_loop(*impl.acceptor, impl.workers,
                                  [this](std::size_t worker, tcp::socket socket) {
                                    return run_client_session(*impl_->states[worker],
                                                              std::move(socket));
                                  }),
                 asio::detached);
  for (std::size_t i = 0; i < impl.workers.size(); ++i) {
    asio::co_spawn(impl.workers.context(i), watch_deadlines(*impl.states[i]), asio::detached);
  }
  start_watching_config();  // before "listening": a change made once we are up is seen
  impl.workers.start();
  spdlog::info("proxy listening on {} ({} worker threads, {} routes)", proxy_address(),
               impl.workers.size(), impl.config->routes.size());
  log_tls_settings(*impl.config);
  spdlog::info("admin listening on {}", admin_address());
  spdlog::info("fault profile '{}' active ({} rules), seed {}", snapshot->active_profile->name,
               snapshot->active_profile->rules.size(), impl.faults.seed());
}

void ProxyServer::start_watching_config() {
  auto& impl = *impl_;
  if (impl.live.path().empty()) return;
  impl.watcher = std::make_unique<config::ConfigWatcher>(
      impl.live.path(), [&impl] { impl.live.reload_if_changed(); }, std::chrono::milliseconds(100),
      [&impl] { return impl.live.dependent_files(); });
  try {
    impl.watcher->start();
    spdlog::info("watching {} for changes (reload also on SIGHUP and POST /api/v1/reload)",
                 impl.live.path());
    // A change between the first read of the file and the watch would go unseen.
    impl.live.reload_if_changed();
  } catch (const std::exception& e) {
    impl.watcher.reset();
    spdlog::warn(
        "{}: changes to the file will not be noticed; reload with SIGHUP or POST "
        "/api/v1/reload",
        e.what());
  }
}

void ProxyServer::set_fault_observer(FaultObserver observer) {
  impl_->observer = std::move(observer);
}

void ProxyServer::set_config_extension(AdminApi::ConfigExtension extension) {
  impl_->admin_api.set_config_extension(std::move(extension));
}

void ProxyServer::attach_tcp_metrics(const metrics::TcpMetrics& tcp) {
  impl_->metrics.attach_tcp(&tcp);
}

ReloadOutcome ProxyServer::reload(std::string_view trigger) {
  return impl_->live.reload(trigger);
}

std::string ProxyServer::proxy_address() const {
  return net::to_string(impl_->acceptor->local_endpoint());
}

std::string ProxyServer::admin_address() const {
  return impl_->admin.address();
}

bool ProxyServer::drain_and_stop() {
  auto& impl = *impl_;
  const auto drain_timeout = impl.live.current()->config->server.drain_timeout;  // reloadable
  spdlog::info("draining: up to {} for requests in flight",
               faultline::format_duration(drain_timeout));
  const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  if (impl.watcher) impl.watcher->stop();
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
