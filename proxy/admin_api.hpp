// The admin endpoints as plain request -> response logic (no sockets), so each endpoint
// is tested directly. The admin server feeds it parsed requests.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace faultline::metrics {
class ProxyMetrics;
}

namespace faultline::proxy {

struct AdminRequest {
  std::string method;  // "GET"
  std::string target;  // "/readyz"
  std::string authorization;
  std::string body;
};

struct AdminResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;             // for 405: the methods the endpoint takes (RFC 9110 §15.5.6)
  std::string www_authenticate;  // for 401: the scheme to use (RFC 9110 §11.6.1)
};

class AdminControl;

class AdminApi {
 public:
  AdminApi(const metrics::ProxyMetrics& metrics, AdminControl& control)
      : metrics_(metrics), control_(control) {}

  AdminResponse handle(const AdminRequest& request) const;

  // False from the start of a drain: load balancers stop sending new traffic.
  void set_ready(bool ready) { ready_.store(ready, std::memory_order_relaxed); }
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  // Called every second by the admin server (see ProxyMetrics::advance_windows).
  void advance_metric_windows() const;

 private:
  AdminResponse stats() const;
  // The /api/v1/ endpoints that look at and change faults (admin_api_control.cpp).
  AdminResponse config() const;
  AdminResponse profiles() const;
  AdminResponse switch_profile(std::string_view body) const;
  AdminResponse set_faults_enabled(bool enabled) const;
  AdminResponse reload() const;
  // Whether the request may change things: always when admin.token is empty.
  bool authorized(const AdminRequest& request) const;

  const metrics::ProxyMetrics& metrics_;
  AdminControl& control_;
  std::atomic<bool> ready_{true};
};

}  // namespace faultline::proxy
