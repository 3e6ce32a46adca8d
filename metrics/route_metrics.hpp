// Everything faultline counts per route, behind the handle the proxy keeps for each
// route of a config snapshot. The record_* calls are the per-request hot path: array
// indexing and relaxed atomics into the calling worker's own stripe (single_writer.hpp),
// no lock, no allocation, no hash lookup.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metrics/hdr_histogram.hpp"
#include "metrics/labels.hpp"
#include "metrics/request_counters.hpp"
#include "metrics/sliding_window.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/striped_histogram.hpp"

namespace faultline::metrics {

// Rounded to the nearest microsecond, the histograms' unit; negative durations are 0.
constexpr std::uint64_t to_micros(std::chrono::nanoseconds d) noexcept {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>((d.count() + 500) / 1000);
}

class RouteMetrics {
 public:
  RouteMetrics(std::string name, std::size_t workers,
               std::chrono::nanoseconds window = std::chrono::seconds(60),
               std::size_t window_slots = 6);

  const std::string& name() const { return name_; }
  std::size_t workers() const { return request_duration_.stripes(); }

  // ---- Hot path: from worker `worker` only (0 ≤ worker < workers()) ----

  // One finished request, counted exactly once in faultline_requests_total. `total` is
  // what the client saw, injected delay included (faultline_request_duration_seconds);
  // `upstream` is send-to-last-body-byte without injected delay
  // (faultline_upstream_duration_seconds and the window summary), nullopt when no
  // upstream response was received (aborted by a fault, connect error, timeout).
  void record_request(std::size_t worker, Method method, unsigned status, Outcome outcome,
                      std::chrono::nanoseconds total,
                      std::optional<std::chrono::nanoseconds> upstream) noexcept {
    requests_.add(worker, method, status, outcome);
    request_duration_.record(worker, to_micros(total));
    if (upstream) upstream_duration_.record(worker, to_micros(*upstream));
  }

  void record_upstream_error(std::size_t worker, UpstreamErrorReason reason) noexcept {
    upstream_errors_[static_cast<std::size_t>(reason)].add(worker);
  }

  // +1 when a request on this route starts, -1 when it ends (same worker).
  void inflight_add(std::size_t worker, std::int64_t delta) noexcept {
    inflight_.add(worker, delta);
  }

  // ---- Reading: any thread ----

  std::vector<RequestCount> requests() const { return requests_.snapshot(); }
  std::uint64_t requests_total() const { return requests_.total(); }
  void request_duration_into(HdrHistogram& out) const { request_duration_.snapshot_into(out); }
  void upstream_duration_into(HdrHistogram& out) const { upstream_duration_.snapshot_into(out); }
  std::uint64_t upstream_errors(UpstreamErrorReason reason) const {
    return upstream_errors_[static_cast<std::size_t>(reason)].value();
  }
  std::int64_t inflight() const { return inflight_.value(); }

  // Replaces `upstream_out` with the upstream histogram (as upstream_duration_into),
  // files what it gained since the previous call into the sliding window, and, when
  // `window_out` is given, replaces it with the window ending at `now`. Serialised
  // internally, so two scrapers never file the same observations twice.
  void snapshot_upstream(TimePoint now, HdrHistogram& upstream_out,
                         HdrHistogram* window_out = nullptr);

 private:
  std::string name_;
  RequestCounters requests_;
  StripedHistogram request_duration_;
  StripedHistogram upstream_duration_;
  std::array<StripedCounter, kUpstreamErrorReasonCount> upstream_errors_;
  StripedGauge inflight_;

  std::mutex window_mutex_;  // scrape side only
  SlidingWindow upstream_window_;
};

// Keeps a route's in-flight gauge right on every exit path of a request.
class InflightScope {
 public:
  InflightScope(RouteMetrics& route, std::size_t worker) : route_(route), worker_(worker) {
    route_.inflight_add(worker_, +1);
  }
  ~InflightScope() { route_.inflight_add(worker_, -1); }
  InflightScope(const InflightScope&) = delete;
  InflightScope& operator=(const InflightScope&) = delete;

 private:
  RouteMetrics& route_;
  std::size_t worker_;
};

}  // namespace faultline::metrics
