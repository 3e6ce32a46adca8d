#include "loadgen/run_result.hpp"

#include <cstdio>

namespace faultline::loadgen {

namespace {
double seconds_of(std::uint64_t micros) {
  return static_cast<double>(micros) / 1e6;
}
double sent_per_second(const Tally& tally, double seconds) {
  if (seconds <= 0) return 0;
  return static_cast<double>(tally.requests - tally.errors_of(ErrorKind::unsent)) / seconds;
}
}  // namespace

LatencySummary summarize_latency(const metrics::HdrHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.mean = h.mean() / 1e6;
  s.stddev = h.stddev() / 1e6;
  s.p50 = seconds_of(h.quantile(0.5));
  s.p75 = seconds_of(h.quantile(0.75));
  s.p90 = seconds_of(h.quantile(0.9));
  s.p95 = seconds_of(h.quantile(0.95));
  s.p99 = seconds_of(h.quantile(0.99));
  s.p999 = seconds_of(h.quantile(0.999));
  s.p9999 = seconds_of(h.quantile(0.9999));
  s.max = seconds_of(h.max());
  s.min = seconds_of(h.min());
  return s;
}

double StageResult::rps() const {
  return sent_per_second(tally, seconds);
}

double RunResult::rps() const {
  return sent_per_second(total, seconds);
}

ThresholdInputs threshold_inputs(const RunResult& result) {
  const LatencySummary s = summarize_latency(result.latency);
  return ThresholdInputs{s.p50, s.p95, s.p99, s.p999, s.max, s.mean, result.total.error_rate()};
}

std::string format_percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", fraction * 100);
  return text;
}

std::string format_seconds(double seconds) {
  char text[32];
  if (seconds < 0.001)
    std::snprintf(text, sizeof text, "%.0fus", seconds * 1e6);
  else if (seconds < 1)
    std::snprintf(text, sizeof text, "%.2fms", seconds * 1e3);
  else
    std::snprintf(text, sizeof text, "%.2fs", seconds);
  return text;
}

std::string step_break_reason(const Tally& tally, const metrics::HdrHistogram& latency,
                              const StressSettings& limits) {
  const double limit_p95 = std::chrono::duration<double>(limits.break_p95).count();
  const double p95 = seconds_of(latency.quantile(0.95));
  char text[128];
  if (tally.error_rate() > limits.break_error_rate) {
    std::snprintf(text, sizeof text, "error rate %.1f%% > %.1f%%", tally.error_rate() * 100,
                  limits.break_error_rate * 100);
    return text;
  }
  if (latency.count() > 0 && p95 > limit_p95) {
    return "p95 " + format_seconds(p95) + " > " + format_seconds(limit_p95);
  }
  if (tally.requests == 0) return "no request finished";
  return "";
}

bool judge_stress_step(const StageResult& step, double rate, const StressSettings& limits,
                       StressOutcome& outcome) {
  const StressOutcome::Step measured{rate, seconds_of(step.latency.quantile(0.95)),
                                     step.tally.error_rate()};
  std::string reason = step_break_reason(step.tally, step.latency, limits);
  if (reason.empty()) {
    outcome.last_good = measured;
    return false;
  }
  outcome.broke_at = measured;
  outcome.reason = std::move(reason);
  return true;
}

}  // namespace faultline::loadgen
