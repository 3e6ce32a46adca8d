#include "proxy/admin_api.hpp"

#include <string_view>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "metrics/proxy_metrics.hpp"

namespace faultline::proxy {

namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

AdminResponse answer(unsigned status, std::string_view content_type, std::string body) {
  AdminResponse response;
  response.status = status;
  response.content_type = content_type;
  response.body = std::move(body);
  return response;
}

constexpr std::string_view kText = "text/plain; charset=utf-8";

AdminResponse method_not_allowed(std::string_view allow) {
  AdminResponse response;
  response.status = 405;
  response.content_type = "application/json";
  response.body = "{\"error\":\"method not allowed; use " + std::string(allow) + "\"}\n";
  response.allow = allow;
  return response;
}

AdminResponse json_error(unsigned status, std::string_view message) {
  AdminResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = "{\"error\":\"";
  response.body += message;
  response.body += "\"}\n";
  return response;
}

}  // namespace

AdminResponse AdminApi::handle(const AdminRequest& request) const {
  const std::string_view path = path_of(request.target);
  const bool read_only = request.method == "GET" || request.method == "HEAD";
  if (path == "/healthz") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return answer(200, kText, "ok\n");
  }
  if (path == "/readyz") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    if (!ready()) return answer(503, kText, "draining\n");
    return answer(200, kText, "ready\n");
  }
  if (path == "/metrics") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return answer(200, metrics::kExpositionContentType, metrics_.exposition());
  }
  if (path == "/api/v1/stats") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return stats();
  }
  return json_error(404, "no admin endpoint at this path");
}

void AdminApi::advance_metric_windows() const {
  metrics_.advance_windows(metrics_.now());
}

namespace {

boost::json::object latency_json(const metrics::LatencyStats& stats) {
  return {{"count", stats.count}, {"mean", stats.mean}, {"p50", stats.p50}, {"p95", stats.p95},
          {"p99", stats.p99},     {"p999", stats.p999}, {"max", stats.max}};
}

}  // namespace

// Per route: counts by outcome and upstream error reason, in-flight, and latency in
// seconds (since start, and the upstream's over the sliding window).
AdminResponse AdminApi::stats() const {
  boost::json::array routes;
  for (const auto& route : metrics_.stats(metrics_.now())) {
    boost::json::object outcomes;
    for (std::size_t i = 0; i < route.requests_by_outcome.size(); ++i) {
      outcomes[metrics::to_string(static_cast<metrics::Outcome>(i))] = route.requests_by_outcome[i];
    }
    boost::json::object errors;
    for (std::size_t i = 0; i < route.upstream_errors.size(); ++i) {
      errors[metrics::to_string(static_cast<metrics::UpstreamErrorReason>(i))] =
          route.upstream_errors[i];
    }
    routes.push_back(boost::json::object{
        {"route", route.route},
        {"requests", route.requests},
        {"outcomes", std::move(outcomes)},
        {"upstream_errors", std::move(errors)},
        {"inflight", route.inflight},
        {"request_duration_seconds", latency_json(route.request_duration)},
        {"upstream_duration_seconds", latency_json(route.upstream_duration)},
        {"upstream_window_seconds", latency_json(route.upstream_window)},
    });
  }
  boost::json::object body{{"routes", std::move(routes)}};
  return answer(200, "application/json", boost::json::serialize(body) + "\n");
}

}  // namespace faultline::proxy
