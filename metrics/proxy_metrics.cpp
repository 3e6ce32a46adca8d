#include "metrics/proxy_metrics.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include <prometheus/text_serializer.h>

#include "metrics/process_metrics.hpp"
#include "metrics/prometheus_buckets.hpp"
#include "metrics/tcp_metrics.hpp"

namespace faultline::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

double seconds(std::uint64_t micros) {
  return static_cast<double>(micros) / 1e6;
}

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

ClientMetric labelled(std::vector<ClientMetric::Label> labels) {
  ClientMetric metric;
  metric.label = std::move(labels);
  return metric;
}

ClientMetric counter(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric = labelled(std::move(labels));
  metric.counter.value = value;
  return metric;
}

ClientMetric gauge(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric = labelled(std::move(labels));
  metric.gauge.value = value;
  return metric;
}

ClientMetric histogram(std::vector<ClientMetric::Label> labels, const HdrHistogram& snapshot) {
  const ClassicHistogram classic = to_classic_buckets(snapshot);
  ClientMetric metric = labelled(std::move(labels));
  metric.histogram.sample_count = classic.count;
  metric.histogram.sample_sum = classic.sum_seconds;
  metric.histogram.bucket.reserve(classic.cumulative.size());
  for (std::size_t i = 0; i < kBucketEdgesSeconds.size(); ++i)
    metric.histogram.bucket.push_back({classic.cumulative[i], kBucketEdgesSeconds[i]});
  metric.histogram.bucket.push_back(
      {classic.cumulative.back(), std::numeric_limits<double>::infinity()});
  return metric;
}

// Quantiles over the window; sum and count since start, as Prometheus client summaries
// report them. NaN quantiles for an empty window (the client_golang convention).
ClientMetric summary(std::vector<ClientMetric::Label> labels, const HdrHistogram& cumulative,
                     const HdrHistogram& window) {
  ClientMetric metric = labelled(std::move(labels));
  metric.summary.sample_count = cumulative.count();
  metric.summary.sample_sum = seconds(cumulative.sum());
  for (double q : kSummaryQuantiles) {
    const double value = window.count() == 0 ? std::numeric_limits<double>::quiet_NaN()
                                             : seconds(window.quantile(q));
    metric.summary.quantile.push_back({q, value});
  }
  return metric;
}

}  // namespace

LatencyStats latency_stats(const HdrHistogram& h) {
  LatencyStats s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.mean = h.mean() / 1e6;
  s.p50 = seconds(h.quantile(0.5));
  s.p95 = seconds(h.quantile(0.95));
  s.p99 = seconds(h.quantile(0.99));
  s.p999 = seconds(h.quantile(0.999));
  s.max = seconds(h.max());
  return s;
}

ProxyMetrics::ProxyMetrics(MetricsOptions options)
    : options_(std::move(options)),
      connections_{StripedGauge(std::max<std::size_t>(options_.workers, 1)),
                   StripedGauge(std::max<std::size_t>(options_.workers, 1))},
      network_bytes_{StripedCounter(std::max<std::size_t>(options_.workers, 1)),
                     StripedCounter(std::max<std::size_t>(options_.workers, 1)),
                     StripedCounter(std::max<std::size_t>(options_.workers, 1)),
                     StripedCounter(std::max<std::size_t>(options_.workers, 1))} {
  options_.workers = std::max<std::size_t>(options_.workers, 1);
}

ProxyMetrics::~ProxyMetrics() = default;

RouteMetrics& ProxyMetrics::route(std::string_view name) {
  std::lock_guard lock(registry_mutex_);
  auto it = routes_.find(name);
  if (it == routes_.end()) {
    it = routes_
             .emplace(std::string(name),
                      std::make_unique<RouteMetrics>(std::string(name), options_.workers,
                                                     options_.window, options_.window_slots))
             .first;
  }
  return *it->second;
}

std::vector<RouteMetrics*> ProxyMetrics::routes(const std::vector<std::string>& names) {
  std::vector<RouteMetrics*> handles;
  handles.reserve(names.size());
  for (const std::string& name : names) handles.push_back(&route(name));
  return handles;
}

StripedCounter& ProxyMetrics::faults_injected(std::string_view route, std::string_view profile,
                                              std::string_view rule, std::string_view kind) {
  FaultKey key{std::string(route), std::string(profile), std::string(rule), std::string(kind)};
  std::lock_guard lock(registry_mutex_);
  auto& slot = faults_[std::move(key)];
  if (!slot) slot = std::make_unique<StripedCounter>(options_.workers);
  return *slot;
}

void ProxyMetrics::set_active_profile(std::string_view profile) {
  std::lock_guard lock(registry_mutex_);
  active_profile_ = std::string(profile);
}

void ProxyMetrics::record_config_reload(bool success) {
  (success ? reloads_succeeded_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

std::vector<RouteMetrics*> ProxyMetrics::route_list() const {
  std::lock_guard lock(registry_mutex_);
  std::vector<RouteMetrics*> list;
  list.reserve(routes_.size());
  for (const auto& [name, route] : routes_) list.push_back(route.get());
  return list;
}

std::vector<MetricFamily> ProxyMetrics::Collect() const {
  return collect(now());
}

std::vector<MetricFamily> ProxyMetrics::collect(TimePoint now) const {
  auto requests =
      family("faultline_requests_total",
             "Requests proxied, by route, method, status code and outcome.", MetricType::Counter);
  auto request_duration = family("faultline_request_duration_seconds",
                                 "Request duration as the client saw it, injected delay included.",
                                 MetricType::Histogram);
  auto upstream_duration = family(
      "faultline_upstream_duration_seconds",
      "Upstream time only, from sending the request to the last body byte.", MetricType::Histogram);
  auto upstream_latency =
      family("faultline_upstream_latency_seconds",
             "Upstream time quantiles over the sliding window.", MetricType::Summary);
  auto faults = family("faultline_faults_injected_total",
                       "Faults injected, by route, profile, rule and kind.", MetricType::Counter);
  auto upstream_errors = family("faultline_upstream_errors_total",
                                "Upstream failures, by route and reason.", MetricType::Counter);
  auto inflight =
      family("faultline_inflight_requests", "Requests in progress, by route.", MetricType::Gauge);
  auto connections =
      family("faultline_connections", "Open connections, by side.", MetricType::Gauge);
  auto network_bytes =
      family("faultline_network_bytes_total",
             "Bytes read (in) and written (out) by faultline, by side.", MetricType::Counter);
  auto reloads = family("faultline_config_reloads_total", "Configuration reloads, by result.",
                        MetricType::Counter);
  auto access_log_errors =
      family("faultline_access_log_errors_total",
             "Access log lines that could not be written (a full disk, a closed pipe).",
             MetricType::Counter);
  auto active_profile =
      family("faultline_active_profile", "The active fault profile (value 1).", MetricType::Gauge);
  auto build_info =
      family("faultline_build_info", "faultline build information (value 1).", MetricType::Gauge);

  {
    std::lock_guard scrape(scrape_mutex_);
    for (RouteMetrics* route : route_list()) {
      const std::string& name = route->name();
      for (const RequestCount& c : route->requests()) {
        requests.metric.push_back(counter({{"route", name},
                                           {"method", std::string(to_string(c.method))},
                                           {"code", status_label(c.status_slot)},
                                           {"outcome", std::string(to_string(c.outcome))}},
                                          static_cast<double>(c.count)));
      }
      route->request_duration_into(scratch_);
      request_duration.metric.push_back(histogram({{"route", name}}, scratch_));
      route->snapshot_upstream(now, scratch_, &window_scratch_);
      upstream_duration.metric.push_back(histogram({{"route", name}}, scratch_));
      upstream_latency.metric.push_back(summary({{"route", name}}, scratch_, window_scratch_));
      for (std::size_t r = 0; r < kUpstreamErrorReasonCount; ++r) {
        const auto reason = static_cast<UpstreamErrorReason>(r);
        upstream_errors.metric.push_back(
            counter({{"route", name}, {"reason", std::string(to_string(reason))}},
                    static_cast<double>(route->upstream_errors(reason))));
      }
      inflight.metric.push_back(gauge({{"route", name}}, static_cast<double>(route->inflight())));
    }
  }
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& [key, cell] : faults_) {
      faults.metric.push_back(counter(
          {{"route", key.route}, {"profile", key.profile}, {"rule", key.rule}, {"kind", key.kind}},
          static_cast<double>(cell->value())));
    }
    if (!active_profile_.empty())
      active_profile.metric.push_back(gauge({{"profile", active_profile_}}, 1));
  }
  for (std::size_t s = 0; s < kSideCount; ++s) {
    const std::string side(to_string(static_cast<Side>(s)));
    connections.metric.push_back(
        gauge({{"side", side}}, static_cast<double>(connections_[s].value())));
    for (std::size_t d = 0; d < kDirectionCount; ++d) {
      network_bytes.metric.push_back(counter(
          {{"side", side}, {"direction", std::string(to_string(static_cast<Direction>(d)))}},
          static_cast<double>(network_bytes_[s * kDirectionCount + d].value())));
    }
  }
  reloads.metric.push_back(
      counter({{"result", "success"}},
              static_cast<double>(reloads_succeeded_.load(std::memory_order_relaxed))));
  reloads.metric.push_back(
      counter({{"result", "failure"}},
              static_cast<double>(reloads_failed_.load(std::memory_order_relaxed))));
  access_log_errors.metric.push_back(
      counter({}, static_cast<double>(access_log_errors_.load(std::memory_order_relaxed))));
  build_info.metric.push_back(gauge({{"version", options_.version}}, 1));

  std::vector<MetricFamily> families;
  families.reserve(16);
  for (MetricFamily* f : {&requests, &request_duration, &upstream_duration, &upstream_latency,
                          &faults, &upstream_errors, &inflight, &connections, &network_bytes,
                          &reloads, &access_log_errors, &active_profile, &build_info}) {
    families.push_back(std::move(*f));
  }
  for (MetricFamily& f : tls_.Collect()) families.push_back(std::move(f));
  if (const TcpMetrics* tcp = tcp_.load(std::memory_order_acquire)) {
    for (MetricFamily& f : tcp->Collect()) families.push_back(std::move(f));
  }
  if (options_.process_metrics) {
    if (const auto sample = read_process_sample()) {
      for (MetricFamily& f : process_families(*sample)) families.push_back(std::move(f));
    }
  }
  return families;
}

std::string ProxyMetrics::exposition() const {
  return exposition(now());
}

std::string ProxyMetrics::exposition(TimePoint now) const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, collect(now));
  return std::move(out).str();
}

std::vector<RouteStats> ProxyMetrics::stats(TimePoint now, bool with_buckets) const {
  std::vector<RouteStats> out;
  std::lock_guard scrape(scrape_mutex_);
  for (RouteMetrics* route : route_list()) {
    RouteStats s;
    s.route = route->name();
    for (const RequestCount& c : route->requests()) {
      s.requests += c.count;
      s.requests_by_outcome[static_cast<std::size_t>(c.outcome)] += c.count;
      s.status_classes[c.status_slot / 100] += c.count;
      if (c.status_slot == 0 || c.status_slot >= 500)
        s.failed_by_outcome[static_cast<std::size_t>(c.outcome)] += c.count;
    }
    for (std::size_t r = 0; r < kUpstreamErrorReasonCount; ++r)
      s.upstream_errors[r] = route->upstream_errors(static_cast<UpstreamErrorReason>(r));
    s.inflight = route->inflight();
    route->request_duration_into(scratch_);
    s.request_duration = latency_stats(scratch_);
    if (with_buckets) s.request_duration_buckets = coarse_buckets(scratch_);
    route->snapshot_upstream(now, scratch_, &window_scratch_);
    s.upstream_duration = latency_stats(scratch_);
    s.upstream_window = latency_stats(window_scratch_);
    out.push_back(std::move(s));
  }
  return out;
}

void ProxyMetrics::advance_windows(TimePoint now) const {
  std::lock_guard scrape(scrape_mutex_);
  for (RouteMetrics* route : route_list()) route->snapshot_upstream(now, scratch_);
}

}  // namespace faultline::metrics
