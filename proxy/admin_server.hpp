// The admin listener: a small HTTP server on its own thread that serves AdminApi, so a
// busy proxy never delays health checks or a scrape.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"

namespace faultline::proxy {

class AdminApi;

class AdminServer {
 public:
  AdminServer(const config::AdminConfig& config, AdminApi& api);
  ~AdminServer();

  void start();  // binds (throws std::runtime_error) and starts its thread
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::proxy
