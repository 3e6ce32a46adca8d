// The reverse proxy as one object: worker loops, the proxy listener, the admin listener.
// No Beast here: app/ includes this header.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/admin_control.hpp"

namespace faultline::metrics {
class TcpMetrics;
}

namespace faultline::proxy {

class ProxyServer {
 public:
  // Told of every config, profile and kill-switch change (and of the state at start), on
  // the thread that made it, in order: what else follows the config (the TCP proxies).
  using FaultObserver = std::function<void(const FaultState&)>;

  // `config_path`: the file the config came from, watched and re-read on reload; "" for
  // a config that has no file (the demo's embedded one: reload then has nothing to read).
  explicit ProxyServer(std::shared_ptr<const config::Config> config, std::string config_path = "");
  ~ProxyServer();

  // Binds the proxy and admin listeners, starts serving and watching the config file.
  // Throws std::runtime_error with the address and the reason when a listener cannot bind.
  void start();

  // Both before start().
  void set_fault_observer(FaultObserver observer);
  void attach_tcp_metrics(const metrics::TcpMetrics& tcp);
  // What GET /api/v1/config shows beyond the file (see AdminApi::set_config_extension).
  void set_config_extension(AdminApi::ConfigExtension extension);

  // Re-reads the config file (SIGHUP; the admin API and the file watcher do the same).
  ReloadOutcome reload(std::string_view trigger);

  std::string proxy_address() const;  // "127.0.0.1:8080", the bound port when 0 was asked
  std::string admin_address() const;

  // Stops accepting, reports not-ready, closes idle connections and lets requests in
  // flight finish within server.drain_timeout. Returns true when all finished in time.
  bool drain_and_stop();

 private:
  void start_watching_config();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::proxy
