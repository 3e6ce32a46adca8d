// The CI regression gate: compare this run with a previous run's --json report and fail
// when a figure got worse by more than --max-regression. Compared: P50, P95 and P99
// latency (worse = higher) and requests/s (worse = lower; in the open model it only drops
// when the target could not keep up with the rate).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

struct BaselineNumbers {
  double rps = 0;
  double p50 = 0, p95 = 0, p99 = 0;  // s
};

struct BaselineCheck {
  std::string metric;  // "p95", "rps"
  double baseline = 0;
  double current = 0;
  double change = 0;  // fraction, worse is positive: +0.25 = 25 % worse
  bool passed = true;
};

// Reads the numbers from a --json report's text. Returns an error message or "".
std::string parse_baseline(std::string_view json_text, BaselineNumbers& out);
BaselineNumbers baseline_numbers(const RunResult& result);

std::vector<BaselineCheck> compare_to_baseline(const BaselineNumbers& current,
                                               const BaselineNumbers& baseline,
                                               double max_regression);

// Parses "10%" or "0.1" into a fraction. Returns an error message or "".
std::string parse_regression(std::string_view text, double& out);

// What decides the exit code.
struct Verdict {
  std::vector<ThresholdResult> thresholds;
  std::vector<BaselineCheck> baseline;
  std::string baseline_file;
  double max_regression = 0;
  bool experiment_held = true;  // a chaos experiment's verdict was "held" (or none ran)
  bool passed() const;
};

}  // namespace faultline::loadgen
