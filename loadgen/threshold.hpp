// Pass/fail thresholds on a run's numbers (k6's idea and syntax, README "CI gate"): "p95<300ms",
// "max<2s", "mean<50ms", "error_rate<0.01". Any broken threshold makes the exit code 1.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::loadgen {

enum class ThresholdMetric { p50, p95, p99, p999, max, mean, error_rate };

struct Threshold {
  ThresholdMetric metric = ThresholdMetric::p95;
  double limit = 0;  // seconds for latencies, a fraction for error_rate
  std::string text;  // canonical form, e.g. "p95<300ms"
};

// The numbers a threshold can be checked against (seconds, and a fraction).
struct ThresholdInputs {
  double p50 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0, mean = 0, error_rate = 0;
};

struct ThresholdResult {
  Threshold threshold;
  double actual = 0;
  bool passed = true;
};

// Parses "metric<value"; returns an error message, or "" after storing it in `out`.
std::string parse_threshold(std::string_view text, Threshold& out);
// The same from a scenario's [thresholds] table: key "p95", value "300ms" or 0.01.
std::string make_threshold(std::string_view metric, std::string_view value, Threshold& out);

std::string_view metric_name(ThresholdMetric metric);
double metric_value(ThresholdMetric metric, const ThresholdInputs& inputs);

// Strictly below the limit passes (thresholds are written with '<').
std::vector<ThresholdResult> evaluate_thresholds(const std::vector<Threshold>& thresholds,
                                                 const ThresholdInputs& inputs);

}  // namespace faultline::loadgen
