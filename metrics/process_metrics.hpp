// The standard process_* metrics (the names every Prometheus client library exports),
// read from /proc at scrape time. The parsers take the file text, so tests feed them
// fixed strings; read_process_sample() is the only part that touches the file system.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace faultline::metrics {

// The fields of /proc/<pid>/stat that process metrics need (proc(5)), in kernel units.
struct ProcStat {
  std::uint64_t utime_ticks = 0;  // field 14, user CPU, clock ticks
  std::uint64_t stime_ticks = 0;  // field 15, system CPU, clock ticks
  std::uint64_t start_ticks = 0;  // field 22, start time after boot, clock ticks
  std::uint64_t rss_pages = 0;    // field 24, resident set, pages
};

// nullopt when the text is not a stat line. The command name (field 2) may hold spaces
// and parentheses, so fields are counted from its last ')'.
std::optional<ProcStat> parse_proc_pid_stat(std::string_view text);

// The "btime" line of /proc/stat: boot time, seconds since the Unix epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat_text);

struct ProcessSample {
  double cpu_seconds = 0;            // process_cpu_seconds_total
  std::uint64_t resident_bytes = 0;  // process_resident_memory_bytes
  std::uint64_t open_fds = 0;        // process_open_fds
  double start_time_seconds = 0;     // process_start_time_seconds, Unix time
};

ProcessSample make_process_sample(const ProcStat& stat, std::uint64_t boot_time_seconds,
                                  std::uint64_t ticks_per_second, std::uint64_t page_size,
                                  std::uint64_t open_fds);

// Reads /proc/self/stat, /proc/stat and /proc/self/fd; nullopt where /proc is missing.
std::optional<ProcessSample> read_process_sample();

std::vector<prometheus::MetricFamily> process_families(const ProcessSample& sample);

}  // namespace faultline::metrics
