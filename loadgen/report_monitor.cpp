#include "loadgen/report_monitor.hpp"

#include <cstdio>

#include <boost/json/array.hpp>

namespace faultline::loadgen {

namespace {

namespace json = boost::json;

std::string bytes_text(std::optional<std::uint64_t> bytes) {
  if (!bytes) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1fMiB", static_cast<double>(*bytes) / (1 << 20));
  return text;
}

std::string cpu_text(std::optional<double> percent) {
  if (!percent) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", *percent);
  return text;
}

std::string count_text(std::optional<std::uint64_t> n) {
  return n ? std::to_string(*n) : "-";
}

// Each stage starts where the previous one ended.
std::vector<std::pair<double, double>> stage_windows(const RunResult& r) {
  std::vector<std::pair<double, double>> windows;
  double start = 0;
  for (const StageResult& stage : r.stages) {
    windows.emplace_back(start, start + stage.seconds);
    start += stage.seconds;
  }
  return windows;
}

json::value figures_json(const MonitorFigures& f) {
  json::object o;
  o["cpu_percent"] = f.cpu_percent ? json::value(*f.cpu_percent) : nullptr;
  o["resident_bytes"] = f.resident_bytes ? json::value(*f.resident_bytes) : nullptr;
  o["open_fds"] = f.open_fds ? json::value(*f.open_fds) : nullptr;
  return o;
}

}  // namespace

std::string monitor_text(const RunResult& r) {
  if (!r.monitor) return "";
  const MonitorSeries& m = *r.monitor;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  Target %s: %zu samples, %zu failed%s%s\n", m.source.c_str(),
                m.samples.size(), m.failed(), m.last_error.empty() ? "" : " (last: ",
                m.last_error.empty() ? "" : (m.last_error + ")").c_str());
  out += line;
  std::snprintf(line, sizeof line, "  %-18s %8s %10s %6s\n", "stage / interval", "cpu", "rss",
                "fds");
  out += line;
  auto row = [&](const std::string& label, const MonitorFigures& f) {
    std::snprintf(line, sizeof line, "  %-18s %8s %10s %6s\n", label.c_str(),
                  cpu_text(f.cpu_percent).c_str(), bytes_text(f.resident_bytes).c_str(),
                  count_text(f.open_fds).c_str());
    out += line;
  };
  const auto windows = stage_windows(r);
  for (std::size_t i = 0; i < r.stages.size(); ++i)
    row("stage " + r.stages[i].name, monitor_figures(m, windows[i].first, windows[i].second));
  if (r.intervals.size() > 1) {
    for (const IntervalResult& i : r.intervals) {
      char label[32];
      std::snprintf(label, sizeof label, "%8.0fs", i.start_seconds);
      row(label, monitor_figures(m, i.start_seconds, i.start_seconds + i.seconds));
    }
  }
  return out;
}

std::string monitor_drift_text(const RunResult& r) {
  if (!r.monitor || r.intervals.size() < 2) return "";
  const IntervalResult& first = r.intervals.front();
  const IntervalResult& last = r.intervals.back();
  const auto a =
      monitor_figures(*r.monitor, first.start_seconds, first.start_seconds + first.seconds);
  const auto b = monitor_figures(*r.monitor, last.start_seconds, last.start_seconds + last.seconds);
  if (!a.resident_bytes || !b.resident_bytes || *a.resident_bytes == 0) return "";
  char text[96];
  std::snprintf(
      text, sizeof text, ", target rss %s -> %s (%+.0f%%)", bytes_text(a.resident_bytes).c_str(),
      bytes_text(b.resident_bytes).c_str(),
      (static_cast<double>(*b.resident_bytes) / static_cast<double>(*a.resident_bytes) - 1) * 100);
  return text;
}

void add_monitor_json(const RunResult& r, json::object& root) {
  if (!r.monitor) return;
  const MonitorSeries& m = *r.monitor;
  json::array samples;
  for (const MonitorSample& s : m.samples) {
    json::object o{{"at_seconds", s.at_seconds}};
    if (!s.ok) {
      o["failed"] = true;
    } else {
      o["cpu_seconds"] = s.cpu_seconds;
      if (s.resident_bytes) o["resident_bytes"] = *s.resident_bytes;
      if (s.open_fds) o["open_fds"] = *s.open_fds;
    }
    samples.push_back(std::move(o));
  }
  root["monitor"] = json::object{{"source", m.source},
                                 {"samples", std::move(samples)},
                                 {"failed_samples", m.failed()},
                                 {"last_error", m.last_error}};
  if (json::array* stages = root["stages"].if_array()) {
    const auto windows = stage_windows(r);
    for (std::size_t i = 0; i < stages->size() && i < windows.size(); ++i)
      (*stages)[i].as_object()["monitor"] =
          figures_json(monitor_figures(m, windows[i].first, windows[i].second));
  }
  if (json::array* intervals = root["intervals"].if_array()) {
    for (std::size_t i = 0; i < intervals->size() && i < r.intervals.size(); ++i) {
      const IntervalResult& in = r.intervals[i];
      (*intervals)[i].as_object()["monitor"] =
          figures_json(monitor_figures(m, in.start_seconds, in.start_seconds + in.seconds));
    }
  }
  if (json::value* drift = root.if_contains("drift"); drift && drift->is_object()) {
    const IntervalResult& first = r.intervals.front();
    const IntervalResult& last = r.intervals.back();
    const auto a = monitor_figures(m, first.start_seconds, first.start_seconds + first.seconds);
    const auto b = monitor_figures(m, last.start_seconds, last.start_seconds + last.seconds);
    drift->as_object()["rss_first_bytes"] =
        a.resident_bytes ? json::value(*a.resident_bytes) : nullptr;
    drift->as_object()["rss_last_bytes"] =
        b.resident_bytes ? json::value(*b.resident_bytes) : nullptr;
  }
}

std::string read_monitor_json(const json::object& root, RunResult& out) {
  const json::value* value = root.if_contains("monitor");
  if (value == nullptr) return "";
  const json::object* monitor = value->if_object();
  const json::value* samples = monitor ? monitor->if_contains("samples") : nullptr;
  const json::value* source = monitor ? monitor->if_contains("source") : nullptr;
  if (samples == nullptr || !samples->is_array() || source == nullptr || !source->is_string())
    return "monitor: expected an object with source and samples";
  MonitorSeries series;
  series.source = std::string(source->get_string());
  if (const json::value* e = monitor->if_contains("last_error"); e && e->is_string())
    series.last_error = std::string(e->get_string());
  for (const json::value& item : samples->get_array()) {
    const json::object* o = item.if_object();
    const json::value* at = o ? o->if_contains("at_seconds") : nullptr;
    if (at == nullptr || !at->is_number()) return "monitor.samples: expected at_seconds";
    MonitorSample s;
    s.at_seconds = at->to_number<double>();
    if (const json::value* cpu = o->if_contains("cpu_seconds"); cpu && cpu->is_number()) {
      s.ok = true;
      s.cpu_seconds = cpu->to_number<double>();
    }
    if (const json::value* rss = o->if_contains("resident_bytes"); rss && rss->is_number())
      s.resident_bytes = rss->to_number<std::uint64_t>();
    if (const json::value* fds = o->if_contains("open_fds"); fds && fds->is_number())
      s.open_fds = fds->to_number<std::uint64_t>();
    series.samples.push_back(s);
  }
  out.monitor = std::move(series);
  return "";
}

}  // namespace faultline::loadgen
