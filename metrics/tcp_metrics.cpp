#include "metrics/tcp_metrics.hpp"

#include <limits>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "metrics/prometheus_buckets.hpp"

namespace faultline::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric with_labels(std::vector<ClientMetric::Label> labels) {
  ClientMetric metric;
  metric.label = std::move(labels);
  return metric;
}

std::string_view direction_name(std::size_t index) {
  return index == 0 ? "upstream" : "downstream";
}

}  // namespace

std::string_view to_string(TcpOutcome outcome) noexcept {
  switch (outcome) {
    case TcpOutcome::ok:
      return "ok";
    case TcpOutcome::upstream_error:
      return "upstream_error";
    case TcpOutcome::injected:
      return "injected";
    case TcpOutcome::refused:
      return "refused";
  }
  return "ok";
}

TcpProxyMetrics::TcpProxyMetrics(std::string name, std::size_t stripes)
    : name_(std::move(name)),
      connections_{StripedCounter(stripes), StripedCounter(stripes), StripedCounter(stripes),
                   StripedCounter(stripes)},
      active_(stripes),
      bytes_{StripedCounter(stripes), StripedCounter(stripes)},
      connect_(stripes) {}

TcpMetrics::TcpMetrics(std::size_t stripes) : stripes_(std::max<std::size_t>(1, stripes)) {}
TcpMetrics::~TcpMetrics() = default;

TcpProxyMetrics& TcpMetrics::proxy(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = proxies_.find(name);
  if (it == proxies_.end()) {
    it = proxies_
             .emplace(std::string(name),
                      std::make_unique<TcpProxyMetrics>(std::string(name), stripes_))
             .first;
  }
  return *it->second;
}

StripedCounter& TcpMetrics::faults_injected(std::string_view proxy, std::string_view profile,
                                            std::string_view rule, std::string_view kind) {
  FaultKey key{std::string(proxy), std::string(profile), std::string(rule), std::string(kind)};
  std::lock_guard lock(mutex_);
  auto& slot = faults_[std::move(key)];
  if (!slot) slot = std::make_unique<StripedCounter>(stripes_);
  return *slot;
}

std::vector<MetricFamily> TcpMetrics::Collect() const {
  MetricFamily connections{"faultline_tcp_connections_total",
                           "TCP connections accepted by a TCP proxy, by how they ended",
                           MetricType::Counter,
                           {}};
  MetricFamily active{
      "faultline_tcp_active_connections", "TCP connections open now", MetricType::Gauge, {}};
  MetricFamily bytes{
      "faultline_tcp_bytes_total",
      "Bytes relayed: upstream = read from clients, downstream = read from upstreams",
      MetricType::Counter,
      {}};
  MetricFamily connect{"faultline_tcp_connect_duration_seconds",
                       "Time to connect to the upstream",
                       MetricType::Histogram,
                       {}};
  MetricFamily faults{"faultline_tcp_faults_injected_total",
                      "TCP faults applied to connections (a rule or toxic reaching a connection)",
                      MetricType::Counter,
                      {}};
  std::lock_guard lock(mutex_);
  for (const auto& [name, proxy] : proxies_) {
    for (std::size_t o = 0; o < kTcpOutcomeCount; ++o) {
      ClientMetric m = with_labels(
          {{"proxy", name}, {"outcome", std::string(to_string(static_cast<TcpOutcome>(o)))}});
      m.counter.value = static_cast<double>(proxy->connections(static_cast<TcpOutcome>(o)));
      connections.metric.push_back(std::move(m));
    }
    ClientMetric a = with_labels({{"proxy", name}});
    a.gauge.value = static_cast<double>(proxy->active());
    active.metric.push_back(std::move(a));
    for (std::size_t d = 0; d < kTcpDirectionCount; ++d) {
      ClientMetric m =
          with_labels({{"proxy", name}, {"direction", std::string(direction_name(d))}});
      m.counter.value = static_cast<double>(proxy->bytes(static_cast<TcpDirection>(d)));
      bytes.metric.push_back(std::move(m));
    }
    const ClassicHistogram classic = to_classic_buckets(proxy->connect_durations());
    ClientMetric h = with_labels({{"proxy", name}});
    h.histogram.sample_count = classic.count;
    h.histogram.sample_sum = classic.sum_seconds;
    for (std::size_t i = 0; i < kBucketEdgesSeconds.size(); ++i)
      h.histogram.bucket.push_back({classic.cumulative[i], kBucketEdgesSeconds[i]});
    h.histogram.bucket.push_back(
        {classic.cumulative.back(), std::numeric_limits<double>::infinity()});
    connect.metric.push_back(std::move(h));
  }
  for (const auto& [key, counter] : faults_) {
    ClientMetric m = with_labels(
        {{"proxy", key.proxy}, {"profile", key.profile}, {"rule", key.rule}, {"kind", key.kind}});
    m.counter.value = static_cast<double>(counter->value());
    faults.metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> families;
  for (auto* family : {&connections, &active, &bytes, &connect, &faults}) {
    if (!family->metric.empty()) families.push_back(std::move(*family));
  }
  return families;
}

std::vector<TcpProxyStats> TcpMetrics::stats() const {
  std::vector<TcpProxyStats> out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, proxy] : proxies_) {
    TcpProxyStats s;
    s.proxy = name;
    for (std::size_t o = 0; o < kTcpOutcomeCount; ++o)
      s.connections[o] = proxy->connections(static_cast<TcpOutcome>(o));
    s.active = proxy->active();
    s.bytes_upstream = proxy->bytes(TcpDirection::upstream);
    s.bytes_downstream = proxy->bytes(TcpDirection::downstream);
    const HdrHistogram h = proxy->connect_durations();
    s.connects = h.count();
    if (s.connects > 0) {
      s.connect_p50 = static_cast<double>(h.quantile(0.5)) / 1e6;
      s.connect_p99 = static_cast<double>(h.quantile(0.99)) / 1e6;
      s.connect_max = static_cast<double>(h.max()) / 1e6;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string serialize(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace faultline::metrics
