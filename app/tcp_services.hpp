// The TCP side of `faultline proxy`: the [[tcp]] proxies with the active profile's TCP
// rules (kept in step with every reload, profile switch and kill-switch change), their
// metrics on the admin /metrics and /api/v1/stats, and, with [toxiproxy] listen, the
// Toxiproxy-compatible API beside the admin API.
#pragma once

#include <chrono>
#include <memory>

#include "config/config.hpp"

namespace faultline::proxy {
class ProxyServer;
}

namespace faultline::app {

class TcpServices {
 public:
  explicit TcpServices(const config::Config& config);
  ~TcpServices();

  // Before server.start(): follows its fault state and joins its metrics.
  void attach(proxy::ProxyServer& server);
  // Binds the Toxiproxy API when configured (throws std::runtime_error when it cannot).
  void start();
  // SIGTERM: closes the TCP listeners, gives connections until `timeout` to end.
  bool drain(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::app
