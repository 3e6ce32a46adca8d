#include "loadgen/steady_state.hpp"

#include <cstdio>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

SparseCounts sparse_delta(const SparseCounts& before, const SparseCounts& after) {
  SparseCounts delta;
  delta.reserve(after.size());
  std::size_t b = 0;
  for (const auto& [index, count] : after) {
    while (b < before.size() && before[b].first < index) ++b;
    const std::uint64_t earlier =
        b < before.size() && before[b].first == index ? before[b].second : 0;
    if (count > earlier) delta.emplace_back(index, count - earlier);
  }
  return delta;
}

std::string hypothesis_failure(const std::vector<Threshold>& hypothesis, const WindowResult& w) {
  if (w.requests == 0 && w.answered == 0) return "no request finished";
  if (w.answered == 0) return "no request answered";
  for (const ThresholdResult& result : evaluate_thresholds(hypothesis, w.figures)) {
    if (result.passed) continue;
    const bool is_rate = result.threshold.metric == ThresholdMetric::error_rate;
    char text[96];
    if (is_rate) {
      std::snprintf(text, sizeof text, "error rate %.2f%% >= %.2f%%", result.actual * 100,
                    result.threshold.limit * 100);
    } else {
      std::snprintf(text, sizeof text, "%s %s >= %s",
                    std::string(metric_name(result.threshold.metric)).c_str(),
                    format_seconds(result.actual).c_str(),
                    format_seconds(result.threshold.limit).c_str());
    }
    return text;
  }
  return "";
}

SteadyStateWindows::SteadyStateWindows(std::vector<Threshold> hypothesis,
                                       std::size_t steps_per_window, double step_seconds)
    : hypothesis_(std::move(hypothesis)),
      steps_per_window_(std::max<std::size_t>(1, steps_per_window)),
      step_seconds_(step_seconds) {}

void SteadyStateWindows::add(StepSample step) {
  recent_.push_back(std::move(step));
  ++steps_seen_;
  if (recent_.size() > steps_per_window_) recent_.pop_front();
  if (recent_.size() < steps_per_window_) return;

  WindowResult window;
  window.start_seconds = static_cast<double>(steps_seen_ - steps_per_window_) * step_seconds_;
  scratch_.reset();
  for (const StepSample& s : recent_) {
    window.requests += s.requests;
    window.errors += s.errors;
    for (const auto& [index, count] : s.latency) scratch_.add_to_bucket(index, count);
  }
  // Counters and histogram are sampled a moment apart: never more errors than requests.
  window.requests = std::max(window.requests, window.errors);
  window.answered = scratch_.count();
  const LatencySummary latency = summarize_latency(scratch_);
  window.figures = ThresholdInputs{latency.p50,
                                   latency.p95,
                                   latency.p99,
                                   latency.p999,
                                   latency.max,
                                   latency.mean,
                                   window.requests == 0 ? 0.0
                                                        : static_cast<double>(window.errors) /
                                                              static_cast<double>(window.requests)};
  window.failure = hypothesis_failure(hypothesis_, window);
  windows_.push_back(std::move(window));
}

}  // namespace faultline::loadgen
