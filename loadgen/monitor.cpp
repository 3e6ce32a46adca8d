#include "loadgen/monitor.hpp"

#include <charconv>
#include <cmath>

namespace faultline::loadgen {

namespace {

// A boundary's sample is taken when the coordinator wakes after it: tens of milliseconds
// late on a loaded machine. A sample counts for a boundary within this much of it (or a
// quarter of the window, whichever is larger).
constexpr double kBoundaryTolerance = 0.25;

const MonitorSample* sample_near(const MonitorSeries& series, double t, double tolerance) {
  const MonitorSample* best = nullptr;
  for (const MonitorSample& s : series.samples) {
    if (!s.ok || std::fabs(s.at_seconds - t) > tolerance) continue;
    if (best == nullptr || std::fabs(s.at_seconds - t) < std::fabs(best->at_seconds - t)) best = &s;
  }
  return best;
}

std::optional<double> to_double(std::string_view token) {
  double value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc{} || end != token.data() + token.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::optional<std::uint64_t> to_count(std::optional<double> value) {
  if (!value || *value < 0) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(*value));
}

}  // namespace

std::size_t MonitorSeries::failed() const {
  std::size_t n = 0;
  for (const MonitorSample& s : samples) n += s.ok ? 0 : 1;
  return n;
}

MonitorFigures monitor_figures(const MonitorSeries& series, double from, double to) {
  MonitorFigures figures;
  const double tolerance = std::max(kBoundaryTolerance, (to - from) / 4);
  const MonitorSample* start = sample_near(series, from, tolerance);
  const MonitorSample* end = sample_near(series, to, tolerance);
  if (end == nullptr) return figures;
  figures.resident_bytes = end->resident_bytes;
  figures.open_fds = end->open_fds;
  if (start != nullptr && end->at_seconds > start->at_seconds &&
      end->cpu_seconds >= start->cpu_seconds)
    figures.cpu_percent =
        100 * (end->cpu_seconds - start->cpu_seconds) / (end->at_seconds - start->at_seconds);
  return figures;
}

std::string parse_process_metrics(std::string_view text, MonitorSample& out) {
  std::optional<double> cpu, resident, fds;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t name_end = line.find_first_of(" {");
    if (name_end == std::string_view::npos || line[name_end] == '{') continue;  // labelled
    const std::string_view name = line.substr(0, name_end);
    std::optional<double>* slot = name == "process_cpu_seconds_total"       ? &cpu
                                  : name == "process_resident_memory_bytes" ? &resident
                                  : name == "process_open_fds"              ? &fds
                                                                            : nullptr;
    if (slot == nullptr || slot->has_value()) continue;
    std::string_view value = line.substr(name_end);
    value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
    value = value.substr(0, value.find(' '));  // a timestamp may follow
    *slot = to_double(value);
  }
  if (!cpu) return "no process_cpu_seconds_total in the metrics";
  out.ok = true;
  out.cpu_seconds = *cpu;
  out.resident_bytes = to_count(resident);
  out.open_fds = to_count(fds);
  return "";
}

}  // namespace faultline::loadgen
