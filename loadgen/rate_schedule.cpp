#include "loadgen/rate_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::loadgen {

namespace {
// Counts are sums of doubles; a count within this of an integer is that integer, so that
// 400/s × 5 s is 2000 requests and not 2001.
constexpr double kCountEpsilon = 1e-6;
}  // namespace

RateSchedule::RateSchedule(const std::vector<Stage>& stages) {
  double start = 0, count = 0;
  for (const Stage& stage : stages) {
    Segment s;
    s.start = start;
    s.duration = std::chrono::duration<double>(stage.duration).count();
    s.from_rate = stage.from_rate;
    s.to_rate = stage.rate;
    s.count_before = count;
    segments_.push_back(s);
    start += s.duration;
    count += s.count();
  }
  total_ = static_cast<std::uint64_t>(std::max(0.0, std::ceil(count - kCountEpsilon)));
}

std::uint64_t RateSchedule::due_before(std::chrono::nanoseconds t) const {
  const double seconds = std::chrono::duration<double>(t).count();
  if (seconds <= 0) return 0;
  double count = 0;
  for (const Segment& s : segments_) {
    if (seconds >= s.start + s.duration) {
      count = s.count_before + s.count();
      continue;
    }
    const double x = seconds - s.start;
    const double slope = s.duration > 0 ? (s.to_rate - s.from_rate) / s.duration : 0;
    count = s.count_before + s.from_rate * x + slope * x * x / 2;
    break;
  }
  return std::min<std::uint64_t>(
      total_, static_cast<std::uint64_t>(std::max(0.0, std::ceil(count - kCountEpsilon))));
}

std::chrono::nanoseconds RateSchedule::due_time(std::uint64_t index) const {
  const double n = static_cast<double>(index);
  // The segment in which the count reaches n: the last one starting at or below it that
  // actually sends something.
  const Segment* segment = nullptr;
  for (const Segment& s : segments_) {
    if (s.count() <= 0) continue;
    if (s.count_before <= n + kCountEpsilon)
      segment = &s;
    else
      break;
  }
  if (segment == nullptr) return std::chrono::nanoseconds(0);
  const double k = n - segment->count_before;  // requests into this segment
  const double r0 = segment->from_rate;
  const double a = (segment->to_rate - segment->from_rate) / (2 * segment->duration);
  // Root of a·x² + r0·x − k = 0 written as 2k / (r0 + √(r0² + 4ak)): exact for a = 0 and
  // stable for ramps up and down.
  const double discriminant = std::max(0.0, r0 * r0 + 4 * a * k);
  const double denominator = r0 + std::sqrt(discriminant);
  double x = denominator > 0 ? 2 * k / denominator : 0;
  x = std::clamp(x, 0.0, segment->duration);
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(std::llround((segment->start + x) * 1e9)));
}

}  // namespace faultline::loadgen
