// The run second by second (or in coarser steps for long runs), for the HTML report's
// charts over time: a few numbers per step, so a day-long soak still holds at most a few
// hundred points. Filled by bench_runner from the same harvests as the stages.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "loadgen/tally.hpp"
#include "metrics/hdr_histogram.hpp"

namespace faultline::loadgen {

struct TimelinePoint {
  double start_seconds = 0;
  double seconds = 0;
  std::uint64_t requests = 0;  // finished in this step (answered, failed or never sent)
  std::uint64_t answered = 0;  // of them, with a latency
  std::array<std::uint64_t, kErrorKindCount> errors_by_kind{};
  double p50 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;  // s, of the answered ones
};

// The step for a run planned to last `total`: 1 s, or longer so that there are at most
// `max_points` steps (whole seconds).
std::chrono::nanoseconds timeline_step(std::chrono::nanoseconds total, unsigned max_points = 600);

class TimelineRecorder {
 public:
  explicit TimelineRecorder(std::chrono::nanoseconds step) : step_(step), next_(step) {}

  // When the step being filled ends (from the run's start).
  std::chrono::nanoseconds next_boundary() const { return next_; }
  void add(const Tally& tally, const metrics::HdrHistogram& latency);
  // Files the step being filled as ending at `end` (the run's end may cut it short).
  void close(std::chrono::nanoseconds end);
  // Closes the last step if it holds anything, and hands the points over.
  std::vector<TimelinePoint> finish(std::chrono::nanoseconds end);

 private:
  std::chrono::nanoseconds step_;
  std::chrono::nanoseconds start_{0};
  std::chrono::nanoseconds next_;
  Tally tally_;
  metrics::HdrHistogram latency_;
  std::vector<TimelinePoint> points_;
};

}  // namespace faultline::loadgen
