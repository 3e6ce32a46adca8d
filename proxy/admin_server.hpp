// The admin listener: a small HTTP server on its own thread that serves an AdminHandler
// (the proxy's AdminApi, or the load generator's /metrics), so a busy proxy or generator
// never delays health checks or a scrape.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"

namespace faultline::proxy {

class AdminHandler;

class AdminServer {
 public:
  AdminServer(const config::HostPort& listen, const AdminHandler& handler);
  ~AdminServer();

  void start();  // binds (throws std::runtime_error) and starts its thread
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::proxy
