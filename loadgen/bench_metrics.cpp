#include "loadgen/bench_metrics.hpp"

#include <atomic>
#include <limits>

#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>

#include "base/host_port.hpp"
#include "http/handler.hpp"
#include "http/server.hpp"
#include "metrics/prometheus_buckets.hpp"
#include "metrics/proxy_metrics.hpp"

namespace faultline::loadgen {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class BenchCollectable final : public prometheus::Collectable {
 public:
  explicit BenchCollectable(const LiveCounters& live) : live_(live) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> families;
    auto single = [&](std::string name, std::string help, MetricType type, double value) {
      MetricFamily family{std::move(name), std::move(help), type, {}};
      ClientMetric metric;
      if (type == MetricType::Counter)
        metric.counter.value = value;
      else
        metric.gauge.value = value;
      family.metric.push_back(metric);
      families.push_back(std::move(family));
    };
    single("faultline_bench_requests_total",
           "Requests finished by the load generator (errors included)", MetricType::Counter,
           static_cast<double>(live_.requests.value()));
    MetricFamily errors{
        "faultline_bench_errors_total", "Failed requests by kind", MetricType::Counter, {}};
    for (std::size_t i = 0; i < kErrorKindCount; ++i) {
      ClientMetric metric;
      metric.label = {{"kind", std::string(error_kind_name(static_cast<ErrorKind>(i)))}};
      metric.counter.value = static_cast<double>(live_.errors_by_kind[i].value());
      errors.metric.push_back(metric);
    }
    families.push_back(std::move(errors));
    single("faultline_bench_late_requests_total",
           "Open model: requests that waited for a free connection past their send time",
           MetricType::Counter, static_cast<double>(live_.late.value()));
    single("faultline_bench_inflight_requests", "Requests in flight", MetricType::Gauge,
           static_cast<double>(live_.inflight.value()));
    single("faultline_bench_stage", "Index of the running stage (0-based)", MetricType::Gauge,
           static_cast<double>(stage.load(std::memory_order_relaxed)));

    live_.latency.snapshot_into(scratch_);
    const metrics::ClassicHistogram classic = metrics::to_classic_buckets(scratch_);
    MetricFamily duration{"faultline_bench_request_duration_seconds",
                          "Client-side latency from the intended send time",
                          MetricType::Histogram,
                          {}};
    ClientMetric metric;
    metric.histogram.sample_count = classic.count;
    metric.histogram.sample_sum = classic.sum_seconds;
    for (std::size_t i = 0; i < metrics::kBucketEdgesSeconds.size(); ++i)
      metric.histogram.bucket.push_back({classic.cumulative[i], metrics::kBucketEdgesSeconds[i]});
    metric.histogram.bucket.push_back(
        {classic.cumulative.back(), std::numeric_limits<double>::infinity()});
    duration.metric.push_back(metric);
    families.push_back(std::move(duration));
    return families;
  }

  std::atomic<std::size_t> stage{0};

 private:
  const LiveCounters& live_;
  mutable metrics::HdrHistogram scratch_;  // the server scrapes on its one thread
};

// GET /metrics and nothing else, served by the proxy's admin HTTP server.
class MetricsPage final : public http::Handler {
 public:
  explicit MetricsPage(const LiveCounters& live) : collectable_(live) {}

  http::Response handle(const http::Request& request) const override {
    http::Response response;
    const std::string_view path =
        std::string_view(request.target).substr(0, request.target.find('?'));
    if (path != "/metrics") {
      response.status = 404;
      response.body = "faultline bench serves only /metrics\n";
    } else if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.allow = "GET, HEAD";
      response.body = "use GET\n";
    } else {
      response.content_type = metrics::kExpositionContentType;
      response.body = prometheus::TextSerializer().Serialize(collectable_.Collect());
    }
    return response;
  }

  void set_stage(std::size_t index) { collectable_.stage.store(index, std::memory_order_relaxed); }

 private:
  BenchCollectable collectable_;
};

class MetricsServer final : public BenchMetricsEndpoint {
 public:
  MetricsServer(const faultline::HostPort& listen, const LiveCounters& live)
      : page_(live), server_(listen, page_) {
    server_.start();
  }
  std::string address() const override { return server_.address(); }
  void set_stage(std::size_t index) override { page_.set_stage(index); }

 private:
  MetricsPage page_;
  http::Server server_;  // stopped (and joined) before page_ goes
};

}  // namespace

std::unique_ptr<BenchMetricsEndpoint> start_metrics_endpoint(const BenchPlan& plan,
                                                             const LiveCounters& live,
                                                             std::string& error) {
  faultline::HostPort listen;
  if (auto problem = faultline::parse_listen_address(plan.metrics_listen, listen);
      !problem.empty()) {
    error = "--metrics-listen " + plan.metrics_listen + ": " + problem;
    return nullptr;
  }
  try {
    return std::make_unique<MetricsServer>(listen, live);
  } catch (const std::exception& e) {
    error = "--metrics-listen " + plan.metrics_listen + ": " + e.what();
    return nullptr;
  }
}

std::string bench_metrics_text(const LiveCounters& live, std::size_t stage) {
  BenchCollectable collectable(live);
  collectable.stage = stage;
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

}  // namespace faultline::loadgen
