// --monitor URL and --monitor-pid PID: the target's own CPU, memory and file descriptors
// while the load runs, beside its latency. Samples are the standard process_* metrics
// every Prometheus client library exports (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds; faultline's admin /metrics has them), or
// the same figures read from /proc/PID. The runner takes one at time 0 and one at every
// interval and stage boundary; a window's CPU % is the CPU time between the samples at
// its ends over the wall time between them (100 % = one core busy), its RSS and fds those
// of the sample at its end. Pure: parsing and arithmetic, no I/O (monitor_source.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::loadgen {

struct MonitorSample {
  double at_seconds = 0;  // when it was taken, from the run's time 0
  bool ok = false;        // false: the scrape or read failed
  double cpu_seconds = 0;
  std::optional<std::uint64_t> resident_bytes;
  std::optional<std::uint64_t> open_fds;
};

struct MonitorSeries {
  std::string source;  // "http://host:9901/metrics" or "pid 1234"
  std::vector<MonitorSample> samples;
  std::string last_error;  // why the last failed sample failed
  std::size_t failed() const;
};

// The target over a window [from, to] (seconds from time 0).
struct MonitorFigures {
  std::optional<double> cpu_percent;
  std::optional<std::uint64_t> resident_bytes;  // at the window's end
  std::optional<std::uint64_t> open_fds;        // at the window's end
  bool any() const { return cpu_percent || resident_bytes || open_fds; }
};
MonitorFigures monitor_figures(const MonitorSeries& series, double from, double to);

// Reads the three process_* samples from Prometheus' text exposition format (unlabelled
// series; comments and other metrics are skipped). Returns an error when
// process_cpu_seconds_total is missing; sets `out.ok` and the figures otherwise.
std::string parse_process_metrics(std::string_view exposition, MonitorSample& out);

}  // namespace faultline::loadgen
