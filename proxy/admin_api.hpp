// The proxy's admin endpoints as plain request -> response logic (no sockets), so each
// endpoint is tested directly. The admin server feeds it parsed requests.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "http/handler.hpp"

namespace faultline::metrics {
class ProxyMetrics;
}

namespace faultline::proxy {

class AdminControl;

class AdminApi final : public http::Handler {
 public:
  AdminApi(const metrics::ProxyMetrics& metrics, AdminControl& control)
      : metrics_(metrics), control_(control) {}

  http::Response handle(const http::Request& request) const override;

  // False from the start of a drain: load balancers stop sending new traffic.
  void set_ready(bool ready) { ready_.store(ready, std::memory_order_relaxed); }
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  // Advances the latency summary's sliding window (see ProxyMetrics::advance_windows): the
  // window is exact to the period of this tick.
  void every_second() const override;

  // Adds to GET /api/v1/config what the process runs beside the config file (the Toxiproxy
  // API's proxies and toxics); called on the admin thread. Set before serving.
  using ConfigExtension = std::function<void(boost::json::object& config)>;
  void set_config_extension(ConfigExtension extension) { config_extension_ = std::move(extension); }

 private:
  // `buckets`: also each route's coarse request-duration histogram (for the live page).
  http::Response stats(bool buckets) const;
  http::Response reloads() const;
  // The /api/v1/ endpoints that look at and change faults (admin_api_control.cpp).
  http::Response config() const;
  http::Response profiles() const;
  http::Response switch_profile(std::string_view body) const;
  http::Response set_faults_enabled(bool enabled) const;
  http::Response reload() const;
  // Whether the request may change things: always when admin.token is empty.
  bool authorized(const http::Request& request) const;

  const metrics::ProxyMetrics& metrics_;
  AdminControl& control_;
  std::atomic<bool> ready_{true};
  ConfigExtension config_extension_;
};

}  // namespace faultline::proxy
