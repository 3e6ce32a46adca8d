// The reverse proxy as one object: worker loops, the proxy listener, the admin listener.
// No Beast here: app/ includes this header.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"

namespace faultline::proxy {

class ProxyServer {
 public:
  explicit ProxyServer(std::shared_ptr<const config::Config> config);
  ~ProxyServer();

  // Binds the proxy and admin listeners and starts serving. Throws std::runtime_error
  // with the address and the reason when a listener cannot bind.
  void start();

  std::string proxy_address() const;  // "127.0.0.1:8080", the bound port when 0 was asked
  std::string admin_address() const;

  // Stops accepting, reports not-ready, closes idle connections and lets requests in
  // flight finish within server.drain_timeout. Returns true when all finished in time.
  bool drain_and_stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::proxy
