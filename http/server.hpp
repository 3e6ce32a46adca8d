// The admin listener: a small HTTP server on its own thread that serves an Handler
// (the proxy's AdminApi, or the load generator's /metrics), so a busy proxy or generator
// never delays health checks or a scrape.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "base/host_port.hpp"

namespace faultline::http {

class Handler;

// What one client may make the server hold: the same limits as the proxy's listener.
struct ServerLimits {
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);  // the whole head
  std::size_t max_header_bytes = 16384;  // request line + fields, CRLFs included
  std::size_t max_body_bytes = 1 << 20;  // admin bodies are small JSON: beyond, 413
};

class Server {
 public:
  Server(const faultline::HostPort& listen, const Handler& handler, ServerLimits limits = {});
  ~Server();

  void start();  // binds (throws std::runtime_error) and starts its thread
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::http
