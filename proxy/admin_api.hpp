// The admin endpoints as plain request -> response logic (no sockets), so each endpoint
// is tested directly. The admin server feeds it parsed requests.
#pragma once

#include <atomic>
#include <string>

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
  std::string allow;  // for 405: the methods the endpoint takes (RFC 9110 §15.5.6)
};

class AdminApi {
 public:
  explicit AdminApi(const metrics::ProxyMetrics& metrics) : metrics_(metrics) {}

  AdminResponse handle(const AdminRequest& request) const;

  // False from the start of a drain: load balancers stop sending new traffic.
  void set_ready(bool ready) { ready_.store(ready, std::memory_order_relaxed); }
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  // Called every second by the admin server (see ProxyMetrics::advance_windows).
  void advance_metric_windows() const;

 private:
  AdminResponse stats() const;

  const metrics::ProxyMetrics& metrics_;
  std::atomic<bool> ready_{true};
};

}  // namespace faultline::proxy
