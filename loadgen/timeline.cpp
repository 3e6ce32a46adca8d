#include "loadgen/timeline.hpp"

namespace faultline::loadgen {

std::chrono::nanoseconds timeline_step(std::chrono::nanoseconds total, unsigned max_points) {
  using std::chrono::seconds;
  const auto whole = std::chrono::ceil<seconds>(total);
  const auto steps = (whole.count() + max_points - 1) / max_points;
  return seconds(std::max<std::int64_t>(1, steps));
}

void TimelineRecorder::add(const Tally& tally, const metrics::HdrHistogram& latency) {
  tally_.merge(tally);
  latency_.merge(latency);
}

void TimelineRecorder::close(std::chrono::nanoseconds end) {
  TimelinePoint p;
  p.start_seconds = std::chrono::duration<double>(start_).count();
  p.seconds = std::chrono::duration<double>(end - start_).count();
  p.requests = tally_.requests;
  p.answered = latency_.count();
  p.errors_by_kind = tally_.errors_by_kind;
  auto at = [&](double q) { return static_cast<double>(latency_.quantile(q)) / 1e6; };
  p.p50 = at(0.5);
  p.p95 = at(0.95);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(latency_.max()) / 1e6;
  points_.push_back(p);
  start_ = end;
  next_ = end + step_;
  tally_ = Tally{};
  latency_.reset();
}

std::vector<TimelinePoint> TimelineRecorder::finish(std::chrono::nanoseconds end) {
  if (tally_.requests > 0 || end > start_) close(end);
  return std::move(points_);
}

}  // namespace faultline::loadgen
