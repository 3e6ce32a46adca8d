// The admin listener: a small HTTP server on its own thread that serves an Handler
// (the proxy's AdminApi, or the load generator's /metrics), so a busy proxy or generator
// never delays health checks or a scrape.
#pragma once

#include <memory>
#include <string>

#include "base/host_port.hpp"

namespace faultline::http {

class Handler;

class Server {
 public:
  Server(const faultline::HostPort& listen, const Handler& handler);
  ~Server();

  void start();  // binds (throws std::runtime_error) and starts its thread
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::http
