#include "app/tcp_services.hpp"

#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "faults/rng.hpp"
#include "http/server.hpp"
#include "metrics/process_metrics.hpp"
#include "metrics/tcp_metrics.hpp"
#include "net/worker_threads.hpp"
#include "proxy/proxy_server.hpp"
#include "tcp/configured_proxies.hpp"
#include "tcp/kill_switch.hpp"
#include "tcp/tcp_rules.hpp"
#include "tcp/tcp_runtime.hpp"
#include "tcp/toxiproxy_api.hpp"
#include "tcp/toxiproxy_config.hpp"

namespace faultline::app {

namespace {

unsigned tcp_threads(const config::Config& config) {
  return net::WorkerThreads::count_for(config.server.threads);
}

tcp::RuntimeOptions runtime_options(const config::Config& config) {
  tcp::RuntimeOptions options;
  options.threads = tcp_threads(config);
  options.seed = faults::resolve_seed(config.faults.seed);
  return options;
}

}  // namespace

struct TcpServices::Impl {
  explicit Impl(const config::Config& config)
      : toxiproxy_listen(config.toxiproxy.enabled ? std::optional(config.toxiproxy.listen)
                                                  : std::nullopt),
        metrics(tcp_threads(config)),
        runtime(runtime_options(config), metrics),
        configured(runtime),
        api_listeners(runtime),
        collection(api_listeners),
        api(collection, tcp::toxiproxy_version(FAULTLINE_VERSION), [this] {
          std::vector<prometheus::MetricFamily> families = metrics.Collect();
          if (auto sample = metrics::read_process_sample()) {
            for (auto& family : metrics::process_families(*sample)) {
              families.push_back(std::move(family));
            }
          }
          return metrics::serialize(families);
        }) {}

  void follow(const proxy::FaultState& state) {
    std::lock_guard lock(mutex);
    const auto rules = tcp::tcp_rules(*state.config, state.active_profile, state.faults_enabled);
    for (const auto& problem : configured.apply(state.config->tcp, rules)) {
      spdlog::error("{}", problem);
    }
    // The API's toxics are TCP rules too: the kill switch stops them as well.
    std::lock_guard api_lock(api.mutex());
    api_listeners.set_enabled(state.faults_enabled);
  }

  std::optional<HostPort> toxiproxy_listen;
  metrics::TcpMetrics metrics;
  tcp::TcpRuntime runtime;
  std::mutex mutex;  // configured: changes come from the admin, watcher and main threads
  tcp::ConfiguredProxies configured;
  tcp::KillSwitchedListeners api_listeners;  // between the API's collection and the runtime
  tcp::ProxyCollection collection;
  tcp::ToxiproxyApi api;
  std::unique_ptr<http::Server> toxiproxy_server;
};

TcpServices::TcpServices(const config::Config& config) : impl_(std::make_unique<Impl>(config)) {}

TcpServices::~TcpServices() {
  if (impl_->toxiproxy_server) impl_->toxiproxy_server->stop();
}

void TcpServices::attach(proxy::ProxyServer& server) {
  server.attach_tcp_metrics(impl_->metrics);
  server.set_fault_observer(
      [impl = impl_.get()](const proxy::FaultState& state) { impl->follow(state); });
  // The API's proxies are [[tcp]] proxies too, and their toxics TCP rules: both are shown.
  server.set_config_extension([impl = impl_.get()](boost::json::object& config) {
    if (!impl->toxiproxy_listen) return;
    std::lock_guard lock(impl->api.mutex());
    auto& tcp = config["tcp"].as_array();
    for (auto& proxy : tcp::toxiproxy_config_json(impl->collection))
      tcp.push_back(std::move(proxy));
  });
}

void TcpServices::start() {
  if (!impl_->toxiproxy_listen) return;
  impl_->toxiproxy_server = std::make_unique<http::Server>(*impl_->toxiproxy_listen, impl_->api);
  impl_->toxiproxy_server->start();
  spdlog::info("toxiproxy API listening on {}", impl_->toxiproxy_server->address());
}

bool TcpServices::drain(std::chrono::milliseconds timeout) {
  if (impl_->toxiproxy_server) impl_->toxiproxy_server->stop();
  return impl_->runtime.drain(timeout);
}

}  // namespace faultline::app
