// The faultline metric families of README "Metrics" and their Prometheus exposition.
//
// Two sides, never sharing a lock:
// - Recording: the proxy's workers call RouteMetrics::record_* and the connection and
//   byte counters below. Each worker writes only its own stripe (single_writer.hpp), so
//   a request costs a few relaxed atomic stores: no lock, no allocation, no lookup.
//   The handles (RouteMetrics&, StripedCounter&) are looked up by name once per config
//   snapshot, which is the only place that locks or allocates.
// - Reading: Collect() (a prometheus::Collectable, so prometheus-cpp's TextSerializer or
//   Registry can use it) builds the MetricFamily values from the stripes at scrape time.
//   prometheus-cpp's own Histogram and Summary lock a mutex per observation, so they are
//   not used for recording.
//
// Handles stay valid for the life of the ProxyMetrics: a route that a reload keeps keeps
// its counters (no counter reset in Prometheus), a route that a reload drops goes on
// exporting its last values.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "metrics/coarse_buckets.hpp"
#include "metrics/hdr_histogram.hpp"
#include "metrics/labels.hpp"
#include "metrics/route_metrics.hpp"
#include "metrics/sliding_window.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/tls_metrics.hpp"

namespace faultline::metrics {

// Content-Type of exposition() (Prometheus text format 0.0.4).
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// The quantiles of faultline_upstream_latency_seconds.
inline constexpr std::array<double, 4> kSummaryQuantiles = {0.5, 0.95, 0.99, 0.999};

struct MetricsOptions {
  std::size_t workers = 1;          // worker threads; worker w records into stripe w
  std::string version = "unknown";  // faultline_build_info{version}
  std::chrono::nanoseconds window = std::chrono::seconds(60);  // [metrics] window
  std::size_t window_slots = 6;
  bool process_metrics = true;  // append process_* from /proc/self
  // The time Collect() and exposition() use for the window; steady_clock when empty.
  std::function<TimePoint()> clock;
};

// Latency figures in seconds (0 when count is 0).
struct LatencyStats {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
};
LatencyStats latency_stats(const HdrHistogram& histogram);

// One route's numbers for GET /api/v1/stats.
struct RouteStats {
  std::string route;
  std::uint64_t requests = 0;
  std::array<std::uint64_t, kOutcomeCount> requests_by_outcome{};  // indexed by Outcome
  std::array<std::uint64_t, kUpstreamErrorReasonCount> upstream_errors{};
  std::int64_t inflight = 0;
  // Requests by status class: [0] no status sent (reset, hang, client gone), [1..5] 1xx..5xx.
  std::array<std::uint64_t, 6> status_classes{};
  // Requests that failed (a 5xx, or no status at all), by outcome: the upstream's own 5xx
  // are `ok`, the injected aborts, resets and hangs are `injected`.
  std::array<std::uint64_t, kOutcomeCount> failed_by_outcome{};
  LatencyStats request_duration;   // since start, as the client saw it
  LatencyStats upstream_duration;  // since start, upstream only
  LatencyStats upstream_window;    // upstream only, over the sliding window
  // The request-duration histogram since start, coarsened; filled only when asked for.
  std::vector<CoarseBucket> request_duration_buckets;
};

class TcpMetrics;

class ProxyMetrics final : public prometheus::Collectable {
 public:
  explicit ProxyMetrics(MetricsOptions options = {});
  ~ProxyMetrics() override;
  ProxyMetrics(const ProxyMetrics&) = delete;
  ProxyMetrics& operator=(const ProxyMetrics&) = delete;

  std::size_t workers() const { return options_.workers; }

  // ---- Setup: once per config snapshot, any thread (locks, may allocate) ----

  // The handle of route `name`, created on first use.
  RouteMetrics& route(std::string_view name);
  // The handles of a config snapshot's routes, in the same order (index = route index).
  std::vector<RouteMetrics*> routes(const std::vector<std::string>& names);
  // The faultline_faults_injected_total cell of one fault rule on one route; add(worker)
  // on it from the hot path.
  StripedCounter& faults_injected(std::string_view route, std::string_view profile,
                                  std::string_view rule, std::string_view kind);
  void set_active_profile(std::string_view profile);
  // The TCP proxies' families join this exposition (one /metrics for the process); `tcp`
  // must outlive every scrape. Set once, before the admin listener starts.
  void attach_tcp(const TcpMetrics* tcp) { tcp_.store(tcp, std::memory_order_release); }
  const TcpMetrics* tcp() const { return tcp_.load(std::memory_order_acquire); }
  // The TLS families: handshake errors (any thread) and certificate expiry.
  TlsMetrics& tls() { return tls_; }
  const TlsMetrics& tls() const { return tls_; }
  void record_config_reload(bool success);
  // An access log line that could not be written (a full disk, a closed pipe); any thread.
  void record_access_log_error() noexcept {
    access_log_errors_.fetch_add(1, std::memory_order_relaxed);
  }

  // ---- Hot path: from worker `worker` only ----

  // +1 when a connection on `side` opens, -1 when it closes.
  void connections_add(std::size_t worker, Side side, std::int64_t delta) noexcept {
    connections_[static_cast<std::size_t>(side)].add(worker, delta);
  }
  void network_bytes_add(std::size_t worker, Side side, Direction direction,
                         std::uint64_t bytes) noexcept {
    network_bytes_[static_cast<std::size_t>(side) * kDirectionCount +
                   static_cast<std::size_t>(direction)]
        .add(worker, bytes);
  }

  // ---- Reading: any thread ----

  std::vector<prometheus::MetricFamily> Collect() const override;  // at clock()
  std::vector<prometheus::MetricFamily> collect(TimePoint now) const;
  std::string exposition() const;  // Collect() through prometheus::TextSerializer
  std::string exposition(TimePoint now) const;
  // `with_buckets`: also fill RouteStats::request_duration_buckets.
  std::vector<RouteStats> stats(TimePoint now, bool with_buckets = false) const;
  // Files recent upstream observations into the sliding windows. Call every second or so
  // from a timer so that the window is exact to that period even between scrapes.
  void advance_windows(TimePoint now) const;

  TimePoint now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
  }

 private:
  struct FaultKey {
    std::string route, profile, rule, kind;
    auto operator<=>(const FaultKey&) const = default;
  };

  std::vector<RouteMetrics*> route_list() const;

  MetricsOptions options_;

  mutable std::mutex registry_mutex_;  // the maps and the active profile
  std::map<std::string, std::unique_ptr<RouteMetrics>, std::less<>> routes_;
  std::map<FaultKey, std::unique_ptr<StripedCounter>> faults_;
  std::string active_profile_;

  std::array<StripedGauge, kSideCount> connections_;
  std::array<StripedCounter, kSideCount * kDirectionCount> network_bytes_;
  std::atomic<const TcpMetrics*> tcp_{nullptr};
  TlsMetrics tls_;
  std::atomic<std::uint64_t> reloads_succeeded_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::uint64_t> access_log_errors_{0};

  mutable std::mutex scrape_mutex_;  // one scrape at a time: the scratch histograms
  mutable HdrHistogram scratch_;
  mutable HdrHistogram window_scratch_;
};

}  // namespace faultline::metrics
