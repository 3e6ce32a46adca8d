#include "proxy/admin_api.hpp"

#include "base/text.hpp"

#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include "config/config_json.hpp"
#include "metrics/proxy_metrics.hpp"
#include "metrics/tcp_metrics.hpp"
#include "proxy/access_log.hpp"
#include "proxy/admin_control.hpp"
#include "proxy/live_page.hpp"

namespace faultline::proxy {

namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Whether the query of `target` has the parameter `name=1` ("?buckets=1&x=y").
bool query_flag(std::string_view target, std::string_view name) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return false;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view parameter = query.substr(0, amp);
    if (parameter.size() == name.size() + 2 && parameter.starts_with(name) &&
        parameter.substr(name.size()) == "=1")
      return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

http::Response answer(unsigned status, std::string_view content_type, std::string body) {
  http::Response response;
  response.status = status;
  response.content_type = content_type;
  response.body = std::move(body);
  return response;
}

constexpr std::string_view kText = "text/plain; charset=utf-8";

http::Response json_answer(unsigned status, const boost::json::object& body) {
  return answer(status, "application/json", boost::json::serialize(body) + "\n");
}

http::Response json_error(unsigned status, std::string_view message) {
  return json_answer(status, boost::json::object{{"error", message}});
}

http::Response method_not_allowed(std::string_view allow) {
  http::Response response = json_error(405, "method not allowed; use " + std::string(allow));
  response.allow = allow;
  return response;
}

http::Response unauthorized() {
  http::Response response =
      json_error(401, "this endpoint needs \"Authorization: Bearer <admin.token>\"");
  response.www_authenticate = "Bearer realm=\"faultline admin\"";
  return response;
}

}  // namespace

http::Response AdminApi::handle(const http::Request& request) const {
  const std::string_view path = path_of(request.target);
  const bool read_only = request.method == "GET" || request.method == "HEAD";
  if (path == "/" || path == "/index.html") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return answer(200, "text/html; charset=utf-8", std::string(live_page_html()));
  }
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
    return stats(query_flag(request.target, "buckets"));
  }
  if (path == "/api/v1/reloads") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return reloads();
  }
  if (path == "/api/v1/config") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return config();
  }
  if (path == "/api/v1/profiles") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return profiles();
  }
  // The endpoints that change what the proxy does: PUT/POST only, and the token if set.
  if (path == "/api/v1/profiles/active") {
    if (request.method != "PUT") return method_not_allowed("PUT");
    if (!authorized(request)) return unauthorized();
    return switch_profile(request.body);
  }
  if (path == "/api/v1/faults/disable" || path == "/api/v1/faults/enable") {
    if (request.method != "POST") return method_not_allowed("POST");
    if (!authorized(request)) return unauthorized();
    return set_faults_enabled(path.ends_with("/enable"));
  }
  if (path == "/api/v1/reload") {
    if (request.method != "POST") return method_not_allowed("POST");
    if (!authorized(request)) return unauthorized();
    return reload();
  }
  return json_error(404, "no admin endpoint at this path");
}

void AdminApi::every_second() const {
  metrics_.advance_windows(metrics_.now());
}

namespace {

boost::json::object latency_json(const metrics::LatencyStats& stats) {
  return {{"count", stats.count}, {"mean", stats.mean}, {"p50", stats.p50}, {"p95", stats.p95},
          {"p99", stats.p99},     {"p999", stats.p999}, {"max", stats.max}};
}

// The failed requests of a route by cause: the upstream's own 5xx, what a fault injected
// (an abort with a 5xx, a reset, a hang), and what went wrong talking to the upstream.
boost::json::object errors_by_cause(const metrics::RouteStats& route) {
  using metrics::Outcome;
  using metrics::UpstreamErrorReason;
  auto reason = [&](UpstreamErrorReason r) {
    return route.upstream_errors[static_cast<std::size_t>(r)];
  };
  return {{"upstream_5xx", route.failed_by_outcome[static_cast<std::size_t>(Outcome::ok)]},
          {"injected", route.failed_by_outcome[static_cast<std::size_t>(Outcome::injected)]},
          {"connect", reason(UpstreamErrorReason::connect)},
          {"timeout", reason(UpstreamErrorReason::timeout)},
          {"reset", reason(UpstreamErrorReason::reset)},
          {"protocol", reason(UpstreamErrorReason::protocol)}};
}

boost::json::object status_classes(const metrics::RouteStats& route) {
  static constexpr const char* kNames[] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
  boost::json::object classes;
  for (std::size_t i = 0; i < route.status_classes.size(); ++i)
    classes[kNames[i]] = route.status_classes[i];
  return classes;
}

// [[midpoint_us, count], ...]: cumulative since start, so two polls subtract.
boost::json::array buckets_json(const std::vector<metrics::CoarseBucket>& buckets) {
  boost::json::array out;
  out.reserve(buckets.size());
  for (const auto& bucket : buckets)
    out.push_back(boost::json::array{bucket.midpoint_us, bucket.count});
  return out;
}

}  // namespace

// Per route: counts by outcome, status class and error cause, in-flight, and latency in
// seconds (since start, and the upstream's over the sliding window). Every count is
// cumulative, so a client computes rates from two polls and `clock_seconds`; the proxy
// keeps no history for it.
http::Response AdminApi::stats(bool buckets) const {
  const metrics::TimePoint now = metrics_.now();
  boost::json::array routes;
  for (const auto& route : metrics_.stats(now, buckets)) {
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
        {"status", status_classes(route)},
        {"errors", errors_by_cause(route)},
        {"inflight", route.inflight},
        {"request_duration_seconds", latency_json(route.request_duration)},
        {"upstream_duration_seconds", latency_json(route.upstream_duration)},
        {"upstream_window_seconds", latency_json(route.upstream_window)},
    });
    if (buckets) {
      routes.back().as_object()["request_duration_buckets"] =
          buckets_json(route.request_duration_buckets);
    }
  }
  const FaultState state = control_.fault_state();
  boost::json::object body{
      {"clock_seconds", std::chrono::duration<double>(now.time_since_epoch()).count()},
      {"active_profile", state.active_profile},
      {"faults_enabled", state.faults_enabled},
      {"token_required", !state.config->admin.token.empty()},
      {"reloads", control_.reloads().total},
      {"routes", std::move(routes)}};
  // The TCP proxies (README "TCP proxies"), when the process runs any.
  if (const metrics::TcpMetrics* tcp = metrics_.tcp()) {
    boost::json::array proxies;
    for (const auto& proxy : tcp->stats()) {
      boost::json::object connections;
      for (std::size_t i = 0; i < proxy.connections.size(); ++i) {
        connections[metrics::to_string(static_cast<metrics::TcpOutcome>(i))] = proxy.connections[i];
      }
      proxies.push_back(boost::json::object{
          {"proxy", proxy.proxy},
          {"connections", std::move(connections)},
          {"active_connections", proxy.active},
          {"bytes", boost::json::object{{"upstream", proxy.bytes_upstream},
                                        {"downstream", proxy.bytes_downstream}}},
          {"connect_duration_seconds", boost::json::object{{"count", proxy.connects},
                                                           {"p50", proxy.connect_p50},
                                                           {"p99", proxy.connect_p99},
                                                           {"max", proxy.connect_max}}},
      });
    }
    body["tcp_proxies"] = std::move(proxies);
  }
  return json_answer(200, body);
}

// The last few reloads, newest first, with their errors or warnings.
http::Response AdminApi::reloads() const {
  const ReloadLog log = control_.reloads();
  boost::json::array recent;
  for (const ReloadEvent& event : log.recent) {
    recent.push_back(boost::json::object{{"at", iso8601_utc(event.at)},
                                         {"trigger", event.trigger},
                                         {"result", event.success ? "success" : "failure"},
                                         {"errors", boost::json::value_from(event.errors)},
                                         {"warnings", boost::json::value_from(event.warnings)}});
  }
  return json_answer(200, boost::json::object{{"total", log.total}, {"recent", std::move(recent)}});
}

namespace {

// RFC 9110 §11.1: the scheme is case-insensitive; the token is compared in constant time
// so its bytes cannot be found one at a time by timing.
bool bearer_token_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (ascii_lower(authorization[i]) != kScheme[i]) return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  if (given.size() != token.size()) return false;  // (the length is no secret)
  unsigned char difference = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ token[i]);
  }
  return difference == 0;
}

std::string profile_list(const config::FaultsConfig& faults) {
  std::string list;
  for (const auto& name : faults.profile_names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

}  // namespace

bool AdminApi::authorized(const http::Request& request) const {
  const std::string& token = control_.fault_state().config->admin.token;
  return token.empty() || bearer_token_matches(request.authorization, token);
}

// The config in use, as the TOML has it, with what the API changed on top: the profile in
// use (which may have been switched) and whether the kill switch is on.
http::Response AdminApi::config() const {
  const FaultState state = control_.fault_state();
  boost::json::object body = config::config_json(*state.config);
  auto& faults = body["faults"].as_object();
  faults["active_profile"] = state.active_profile;
  faults["enabled"] = state.faults_enabled;
  body["source"] = state.config->source;
  if (config_extension_) config_extension_(body);
  return json_answer(200, body);
}

http::Response AdminApi::profiles() const {
  const FaultState state = control_.fault_state();
  boost::json::array profiles;
  for (const auto& profile : state.config->faults.profiles) {
    boost::json::array rules;
    for (const auto& rule : profile.rules) rules.push_back(config::rule_json(rule));
    profiles.push_back(boost::json::object{{"name", profile.name},
                                           {"active", profile.name == state.active_profile},
                                           {"rules", std::move(rules)}});
  }
  return json_answer(200, boost::json::object{{"active", state.active_profile},
                                              {"faults_enabled", state.faults_enabled},
                                              {"profiles", std::move(profiles)}});
}

http::Response AdminApi::switch_profile(std::string_view body) const {
  boost::system::error_code ec;
  const boost::json::value request = boost::json::parse(body, ec);
  const boost::json::string* name = nullptr;
  if (!ec && request.is_object()) {
    if (const auto* field = request.as_object().if_contains("name")) name = field->if_string();
  }
  if (name == nullptr) {
    return json_error(400, "expected a JSON body like {\"name\": \"flaky\"}");
  }
  const std::string previous = control_.fault_state().active_profile;
  if (!control_.switch_profile(*name)) {
    const FaultState state = control_.fault_state();
    return json_error(404, "no profile named '" + excerpt(std::string_view(*name)) +
                               "'; the config has: " + profile_list(state.config->faults));
  }
  const FaultState state = control_.fault_state();
  return json_answer(200, boost::json::object{{"active", state.active_profile},
                                              {"previous", previous},
                                              {"faults_enabled", state.faults_enabled}});
}

http::Response AdminApi::set_faults_enabled(bool enabled) const {
  control_.set_faults_enabled(enabled);
  const FaultState state = control_.fault_state();
  return json_answer(200, boost::json::object{{"faults_enabled", state.faults_enabled},
                                              {"active", state.active_profile}});
}

http::Response AdminApi::reload() const {
  const ReloadOutcome outcome = control_.reload("admin API");
  using Result = ReloadOutcome::Result;
  if (outcome.result == Result::no_file) {
    return json_error(409,
                      "this config was not loaded from a file, so there is nothing to "
                      "re-read; switch profiles with PUT /api/v1/profiles/active");
  }
  boost::json::object body;
  body["result"] = outcome.result == Result::failure ? "failure" : "success";
  if (outcome.result == Result::failure) {
    body["errors"] = boost::json::value_from(outcome.errors);
    body["message"] = "the config was rejected; the running config stays";
    return json_answer(422, body);
  }
  body["warnings"] = boost::json::value_from(outcome.warnings);
  body["active"] = control_.fault_state().active_profile;
  return json_answer(200, body);
}

}  // namespace faultline::proxy
