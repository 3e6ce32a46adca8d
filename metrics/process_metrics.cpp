#include "metrics/process_metrics.hpp"
#include "base/file.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

namespace faultline::metrics {

namespace {

std::optional<std::uint64_t> to_u64(std::string_view token) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

std::optional<ProcStat> parse_proc_pid_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Tokens after the command: field 3 (state) is token 0, so field n is token n - 3.
  std::string_view rest = text.substr(close + 1);
  std::optional<std::uint64_t> utime, stime, start, rss;
  int field = 3;
  while (!rest.empty()) {
    const auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) break;
    rest.remove_prefix(begin);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end);
    switch (field) {
      case 14:
        utime = to_u64(token);
        break;
      case 15:
        stime = to_u64(token);
        break;
      case 22:
        start = to_u64(token);
        break;
      case 24:
        rss = to_u64(token);
        break;
      default:
        break;
    }
    if (++field > 24) break;
  }
  if (!utime || !stime || !start || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *rss};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat_text) {
  std::size_t pos = 0;
  while (pos < proc_stat_text.size()) {
    const auto eol = std::min(proc_stat_text.find('\n', pos), proc_stat_text.size());
    const std::string_view line = proc_stat_text.substr(pos, eol - pos);
    pos = eol + 1;
    constexpr std::string_view kKey = "btime ";
    if (line.substr(0, kKey.size()) == kKey) return to_u64(line.substr(kKey.size()));
  }
  return std::nullopt;
}

ProcessSample make_process_sample(const ProcStat& stat, std::uint64_t boot_time_seconds,
                                  std::uint64_t ticks_per_second, std::uint64_t page_size,
                                  std::uint64_t open_fds) {
  const auto ticks = static_cast<double>(ticks_per_second);
  ProcessSample sample;
  sample.cpu_seconds = static_cast<double>(stat.utime_ticks + stat.stime_ticks) / ticks;
  sample.resident_bytes = stat.rss_pages * page_size;
  sample.open_fds = open_fds;
  sample.start_time_seconds =
      static_cast<double>(boot_time_seconds) + static_cast<double>(stat.start_ticks) / ticks;
  return sample;
}

std::optional<ProcessSample> read_process_sample() {
  const auto stat_text = read_file("/proc/self/stat");
  const auto system_text = read_file("/proc/stat");
  if (!stat_text || !system_text) return std::nullopt;
  const auto stat = parse_proc_pid_stat(*stat_text);
  const auto boot_time = parse_boot_time(*system_text);
  if (!stat || !boot_time) return std::nullopt;

  std::uint64_t open_fds = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open_fds;
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  return make_process_sample(*stat, *boot_time, ticks > 0 ? static_cast<std::uint64_t>(ticks) : 100,
                             page > 0 ? static_cast<std::uint64_t>(page) : 4096, open_fds);
}

std::vector<prometheus::MetricFamily> process_families(const ProcessSample& sample) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  families.push_back(single("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.", MetricType::Counter,
                            sample.cpu_seconds));
  families.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.",
                            MetricType::Gauge, static_cast<double>(sample.resident_bytes)));
  families.push_back(single("process_open_fds", "Number of open file descriptors.",
                            MetricType::Gauge, static_cast<double>(sample.open_fds)));
  families.push_back(single("process_start_time_seconds",
                            "Start time of the process since unix epoch in seconds.",
                            MetricType::Gauge, sample.start_time_seconds));
  return families;
}

}  // namespace faultline::metrics
