// The open model's pacing: when request number i (0, 1, 2, ...) is due, counted from the
// start of the run. A stage's rate goes linearly from `from_rate` to `rate`, so the number
// of requests due by time t inside it is N(t) = r0·t + (r1 − r0)·t²/(2·D); request i is due
// at the t where N(t) = i. Everything is computed, nothing is slept: this is what makes
// latency measurable from the *intended* send time (wrk2's coordinated-omission fix).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "loadgen/plan.hpp"

namespace faultline::loadgen {

class RateSchedule {
 public:
  explicit RateSchedule(const std::vector<Stage>& stages);

  // Requests due before the end of the last stage (request i is due at due_time(i) <
  // end): ⌈N(end)⌉, so a 400/s run of 5 s has exactly 2000.
  std::uint64_t total() const { return total_; }
  // Requests due strictly before `t` (the number of indices i with due_time(i) < t).
  std::uint64_t due_before(std::chrono::nanoseconds t) const;
  // When request `index` is due (index < total()).
  std::chrono::nanoseconds due_time(std::uint64_t index) const;

 private:
  struct Segment {
    double start = 0;     // s since the run's start
    double duration = 0;  // s
    double from_rate = 0, to_rate = 0;
    double count_before = 0;  // requests due before the segment starts (fractional)
    double count() const { return duration * (from_rate + to_rate) / 2; }
  };
  std::vector<Segment> segments_;
  std::uint64_t total_ = 0;
};

}  // namespace faultline::loadgen
