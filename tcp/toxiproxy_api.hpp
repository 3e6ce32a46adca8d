// The Toxiproxy HTTP API (toxiproxy-server 2.12's routes, bodies and status codes; see
// tcp/README.md) as request -> response logic over a ProxyCollection: no sockets here, so
// each endpoint is unit-tested with a fake ListenerControl. Served by the admin HTTP server
// on `faultline toxiproxy`'s address or on `[toxiproxy] listen`.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "http/handler.hpp"
#include "tcp/proxy_collection.hpp"

namespace faultline::tcp {

// What GET /version answers: the Toxiproxy release whose API this one follows, with
// faultline's version as semver build metadata (which version comparisons ignore).
std::string toxiproxy_version(std::string_view faultline_version);

class ToxiproxyApi final : public http::Handler {
 public:
  // `metrics_text` answers GET /metrics (Prometheus text).
  ToxiproxyApi(ProxyCollection& proxies, std::string version,
               std::function<std::string()> metrics_text)
      : proxies_(proxies), version_(std::move(version)), metrics_text_(std::move(metrics_text)) {}

  http::Response handle(const http::Request& request) const override;

  // The collection is changed only under this lock: the API thread and config reloads
  // (toxics shown in /api/v1/config) may touch it at the same time.
  std::mutex& mutex() const { return mutex_; }

 private:
  http::Response route(std::string_view method, std::string_view path, std::string_view body) const;
  http::Response create_proxy(std::string_view body) const;
  http::Response populate(std::string_view body) const;
  http::Response update_proxy(std::string_view name, std::string_view body) const;
  http::Response create_toxic(std::string_view proxy, std::string_view body) const;
  http::Response update_toxic(std::string_view proxy, std::string_view toxic,
                              std::string_view body) const;

  ProxyCollection& proxies_;
  std::string version_;
  std::function<std::string()> metrics_text_;
  mutable std::mutex mutex_;
};

}  // namespace faultline::tcp
