// The steady-state hypothesis of a chaos experiment, measured on the client side: the
// run's latency histogram and counts are sampled every 100 ms (a step), and the hypothesis
// (the [thresholds] vocabulary: p99 < 50ms, error_rate < 0.001, ...) is checked on a
// sliding window of the last 1 s, moved one step at a time. A request counts in the step
// in which it finished, as in the stage and interval figures of the reports; its latency
// is the one the reports show (from the intended send time in the open model).
//
// Pure: the samples come in as plain values (experiment_driver.hpp takes them from the
// live counters), so the windows are computed the same way in tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "loadgen/threshold.hpp"
#include "metrics/hdr_histogram.hpp"

namespace faultline::loadgen {

inline constexpr std::chrono::milliseconds kSteadyStateStep{100};
inline constexpr std::chrono::seconds kSteadyStateWindow{1};
inline constexpr std::size_t kStepsPerWindow = kSteadyStateWindow / kSteadyStateStep;

// (histogram bucket index, count) of the non-empty buckets, lowest index first.
using SparseCounts = std::vector<std::pair<std::uint32_t, std::uint64_t>>;

// What the run gained during one step.
struct StepSample {
  std::uint64_t requests = 0;  // finished, errors included
  std::uint64_t errors = 0;
  SparseCounts latency;  // µs buckets of the answered requests
};

// `after` minus `before`, where `after` is a later snapshot of the same cumulative
// histogram (so no count goes down; one that did is taken as 0).
SparseCounts sparse_delta(const SparseCounts& before, const SparseCounts& after);

// The figures of one window position, and whether the hypothesis held in it.
struct WindowResult {
  double start_seconds = 0;  // the window covers [start, start + window)
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t answered = 0;
  ThresholdInputs figures;  // latencies in s (bucket-exact), error_rate a fraction
  std::string failure;      // "" when the hypothesis held, else what broke it first
  bool held() const { return failure.empty(); }
};

// Why `window` breaks the hypothesis ("p99 101.31ms >= 50.00ms", "no request answered"), or
// "" when it holds. A window without an answered request never holds: there is no evidence.
std::string hypothesis_failure(const std::vector<Threshold>& hypothesis,
                               const WindowResult& window);

class SteadyStateWindows {
 public:
  explicit SteadyStateWindows(
      std::vector<Threshold> hypothesis, std::size_t steps_per_window = kStepsPerWindow,
      double step_seconds = std::chrono::duration<double>(kSteadyStateStep).count());

  // Adds the next step: the k-th call covers [k·step, (k+1)·step) of the run. Once a
  // window's worth of steps is in, each call completes the window ending with its step.
  void add(StepSample step);

  const std::vector<WindowResult>& windows() const { return windows_; }
  double step_seconds() const { return step_seconds_; }
  double window_seconds() const { return step_seconds_ * static_cast<double>(steps_per_window_); }
  const std::vector<Threshold>& hypothesis() const { return hypothesis_; }

 private:
  std::vector<Threshold> hypothesis_;
  std::size_t steps_per_window_;
  double step_seconds_;
  std::size_t steps_seen_ = 0;
  std::deque<StepSample> recent_;
  metrics::HdrHistogram scratch_;
  std::vector<WindowResult> windows_;
};

}  // namespace faultline::loadgen
