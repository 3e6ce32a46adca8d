// Everything about one request in progress: made anew for each request, handed to every
// stage of the pipeline, and recorded (metrics and access log) exactly once: every stage
// that ends a request calls record(), and later calls do nothing. (Not from the
// destructor: a session destroyed with its loop at shutdown would write to a closed log.
// A client that vanishes before its head is complete is not a request and is not counted.)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "faults/plan.hpp"
#include "faults/request_view.hpp"
#include "faults/rng.hpp"
#include "metrics/labels.hpp"
#include "proxy/access_log.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::metrics {
class RouteMetrics;
}

namespace faultline::proxy {

class RequestContext {
 public:
  explicit RequestContext(WorkerState& worker);
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  // Counts `bytes` in faultline_network_bytes_total.
  void count_bytes(metrics::Side side, metrics::Direction direction, std::uint64_t bytes);
  // An upstream failure: counted by reason, and it decides the request's outcome.
  void count_upstream_error(metrics::UpstreamErrorReason reason);
  // Counts the request and writes its access log line; later calls do nothing.
  void record();

  WorkerState& worker;
  const std::shared_ptr<const Snapshot> snapshot;  // kept to the end of the request
  const Clock::time_point started = Clock::now();
  const std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();

  // What the request is; filled in as the pipeline learns it.
  std::string method, path, route_name;
  unsigned client_version = 11;
  bool head_request = false;
  metrics::RouteMetrics* route_metrics = nullptr;  // nullptr until a route matched

  // How it went.
  AccessRecord log;   // status, bytes, upstream time
  std::string error;  // the cause when faultline answered for the upstream
  metrics::Outcome outcome = metrics::Outcome::ok;
  std::optional<std::chrono::nanoseconds> upstream_duration;  // send to last body byte

  // The faults it carries (decided once, executed by the stages).
  faults::FaultPlan plan;
  faults::Rng rng{0};                   // the request's own stream (see FaultRuntime)
  std::string injected;                 // x-faultline-injected: the rules applied
  std::vector<faults::Header> headers;  // the request's fields, for the matchers

 private:
  bool recorded_ = false;
};

}  // namespace faultline::proxy
