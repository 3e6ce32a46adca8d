#include "proxy/request_context.hpp"

#include "metrics/proxy_metrics.hpp"
#include "metrics/route_metrics.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

RequestContext::RequestContext(WorkerState& w) : worker(w), snapshot(w.snapshot) {}

void RequestContext::count_bytes(metrics::Side side, metrics::Direction direction,
                                 std::uint64_t bytes) {
  worker.metrics->network_bytes_add(worker.index, side, direction, bytes);
}

void RequestContext::count_upstream_error(metrics::UpstreamErrorReason reason) {
  if (route_metrics != nullptr) route_metrics->record_upstream_error(worker.index, reason);
  outcome = reason == metrics::UpstreamErrorReason::timeout ? metrics::Outcome::timeout
                                                            : metrics::Outcome::upstream_error;
}

void RequestContext::record() {
  if (recorded_) return;
  recorded_ = true;
  const auto now = Clock::now();
  const auto total = std::chrono::duration_cast<std::chrono::nanoseconds>(now - started);
  metrics::RouteMetrics& route =
      route_metrics != nullptr ? *route_metrics : *snapshot->unmatched_metrics;
  route.record_request(worker.index, metrics::method_from_string(method), log.status, outcome,
                       total, upstream_duration);
  if (worker.access_log == nullptr) return;
  log.time = started_wall;
  log.route = route_name;
  log.faults = injected;
  log.error = error;
  log.injected_delay_ms =
      std::chrono::duration<double, std::milli>(plan.request_delay + plan.response_delay).count();
  log.method = method;
  log.path = path;
  log.total_ms = milliseconds_between(started, now);
  worker.access_log->write(log);
}

}  // namespace faultline::proxy
