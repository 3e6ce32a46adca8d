// The outcome of a bench run as plain values: what the text and JSON reports print and
// what thresholds, the stress decision and the baseline gate judge. Built by bench_runner;
// everything that reads it is pure and unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgen/experiment_verdict.hpp"
#include "loadgen/monitor.hpp"
#include "loadgen/plan.hpp"
#include "loadgen/shard.hpp"
#include "loadgen/tally.hpp"
#include "loadgen/threshold.hpp"
#include "loadgen/timeline.hpp"
#include "metrics/hdr_histogram.hpp"

namespace faultline::loadgen {

// Latency figures in seconds, from an HDR histogram of microseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  double mean = 0, stddev = 0, p50 = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, p9999 = 0,
         max = 0;
  double min = 0;
};
LatencySummary summarize_latency(const metrics::HdrHistogram& histogram);

struct StageResult {
  std::string name;
  std::string load;  // "400/s", "0/s -> 400/s", "10 users"
  double seconds = 0;
  Tally tally;
  metrics::HdrHistogram latency;
  // Requests actually sent (or attempted) per second: unsent ones do not count.
  double rps() const;
};

// One soak interval, kept as a few numbers so that a long run's memory stays flat.
struct IntervalResult {
  double start_seconds = 0;
  double seconds = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t unsent = 0;  // of the errors: never sent, so not in rps()
  double p50 = 0, p99 = 0;   // s
  std::uint64_t max_us = 0;  // the largest latency of the interval
  std::string histogram;     // its latencies, HdrHistogram's base64 text (hdr_encoding.hpp)
  double rps() const { return seconds > 0 ? static_cast<double>(requests - unsent) / seconds : 0; }
  double error_rate() const {
    return requests == 0 ? 0 : static_cast<double>(errors) / static_cast<double>(requests);
  }
};

struct StressOutcome {
  struct Step {
    double rate = 0;
    double p95_seconds = 0;
    double error_rate = 0;
  };
  std::optional<Step> last_good;
  std::optional<Step> broke_at;
  std::string reason;  // why broke_at broke, e.g. "p95 6.2s > 5s"
};

// https: the first TLS handshake failure of a run, which the `tls` errors count.
struct TlsErrorSample {
  std::string reason;   // a label of net/tls_failure.hpp: unknown_ca, expired, name_mismatch, ...
  std::string message;  // "certificate verify failed: unable to get local issuer certificate"
};

struct RunResult {
  std::string url;
  LoadModel model = LoadModel::closed;
  unsigned connections = 0;
  unsigned threads = 0;
  double seconds = 0;             // from the start until sending stopped
  double start_unix_seconds = 0;  // wall-clock time of the run's time 0
  Tally total;
  metrics::HdrHistogram latency;
  std::vector<StageResult> stages;
  std::vector<IntervalResult> intervals;
  std::vector<TimelinePoint> timeline;  // for the HTML report's charts over time
  std::optional<StressOutcome> stress;
  std::optional<Shard> shard;                   // --shard: this run is one share of a larger one
  std::optional<ShardsMerged> merged;           // bench merge: the reports added up into this one
  std::optional<MonitorSeries> monitor;         // --monitor, --monitor-pid: the target's resources
  std::optional<ExperimentOutcome> experiment;  // a chaos experiment's verdict
  std::optional<TlsErrorSample> first_tls_error;

  double rps() const;
};

ThresholdInputs threshold_inputs(const RunResult& result);

// Stress: the reason a step broke the limits ("p95 6.2s > 5s", "error rate 12.0% > 10%"),
// or "" when it held.
std::string step_break_reason(const Tally& tally, const metrics::HdrHistogram& latency,
                              const StressSettings& limits);

// Judges a finished stress step run at `rate`: records it in `outcome` as the last good
// step, or as the one that broke (with the reason). Returns true when it broke.
bool judge_stress_step(const StageResult& step, double rate, const StressSettings& limits,
                       StressOutcome& outcome);

// "1.23ms", "950us", "2.50s": latency figures for people.
std::string format_seconds(double seconds);
// "12.34%": a fraction (error rates) for people.
std::string format_percent(double fraction);

}  // namespace faultline::loadgen
