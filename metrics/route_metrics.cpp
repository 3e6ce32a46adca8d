#include "metrics/route_metrics.hpp"

#include <utility>

namespace faultline::metrics {

RouteMetrics::RouteMetrics(std::string name, std::size_t workers, std::chrono::nanoseconds window,
                           std::size_t window_slots)
    : name_(std::move(name)),
      requests_(workers),
      request_duration_(workers),
      upstream_duration_(workers),
      upstream_errors_{StripedCounter(workers), StripedCounter(workers), StripedCounter(workers),
                       StripedCounter(workers)},
      inflight_(workers),
      upstream_window_(window, window_slots) {}

void RouteMetrics::snapshot_upstream(TimePoint now, HdrHistogram& upstream_out,
                                     HdrHistogram* window_out) {
  std::lock_guard lock(window_mutex_);
  upstream_duration_.snapshot_into(upstream_out);
  upstream_window_.update(upstream_out, now);
  if (window_out != nullptr) upstream_window_.merge_into(*window_out, now);
}

}  // namespace faultline::metrics
