// --metrics-listen: the load generator's own client-side numbers on a Prometheus endpoint
// while it runs, so a dashboard can put them beside the proxy's:
//   faultline_bench_requests_total                   counter   finished requests
//   faultline_bench_errors_total{kind}               counter   connect, timeout, status_5xx, io,
//   unsent faultline_bench_late_requests_total              counter   open model: waited for a
//   connection faultline_bench_inflight_requests                gauge faultline_bench_stage gauge
//   index of the running stage faultline_bench_request_duration_seconds         histogram from the
//   intended send time,
//                                                               the proxy's fixed buckets
#pragma once

#include <memory>
#include <string>

#include "loadgen/live_counters.hpp"
#include "loadgen/plan.hpp"

namespace faultline::loadgen {

class BenchMetricsEndpoint {
 public:
  virtual ~BenchMetricsEndpoint() = default;
  virtual std::string address() const = 0;  // "127.0.0.1:PORT", the port actually bound
  virtual void set_stage(std::size_t index) = 0;
};

// Starts serving GET /metrics on plan.metrics_listen; nullptr (and `error`) on failure.
std::unique_ptr<BenchMetricsEndpoint> start_metrics_endpoint(const BenchPlan& plan,
                                                             const LiveCounters& live,
                                                             std::string& error);

// The exposition text of the families above (what /metrics answers), for tests.
std::string bench_metrics_text(const LiveCounters& live, std::size_t stage);

}  // namespace faultline::loadgen
