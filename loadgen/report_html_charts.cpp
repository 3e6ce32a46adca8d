#include "loadgen/report_html_charts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "loadgen/svg_chart.hpp"

namespace faultline::loadgen {

namespace {

constexpr const char* kLatencyColors[] = {"#4c9be8", "#e0a030", "#e8554c", "#9b59d0", "#7a7f8a"};
// By ErrorKind: connect, tls, timeout, status_5xx, io, unsent.
constexpr const char* kErrorColors[] = {"#e0a030", "#9b59b6", "#2f6fde",
                                        "#e8554c", "#16a3a3", "#7a7f8a"};
static_assert(std::size(kErrorColors) == kErrorKindCount);

// "500ms", "1.5s", "20us": round axis values need no trailing zeros.
std::string axis_seconds(double v) {
  char text[32];
  if (v == 0) return "0";
  if (v < 1e-3)
    std::snprintf(text, sizeof text, "%gus", v * 1e6);
  else if (v < 1)
    std::snprintf(text, sizeof text, "%gms", v * 1e3);
  else
    std::snprintf(text, sizeof text, "%gs", v);
  return text;
}

std::string axis_number(double v) {
  char text[32];
  if (v >= 10000)
    std::snprintf(text, sizeof text, "%.0fk", v / 1000);
  else
    std::snprintf(text, sizeof text, "%g", v);
  return text;
}

std::string axis_time(double seconds) {
  char text[32];
  if (seconds >= 120 && std::fmod(seconds, 60) == 0)
    std::snprintf(text, sizeof text, "%.0fm", seconds / 60);
  else
    std::snprintf(text, sizeof text, "%gs", seconds);
  return text;
}

// "99.9%" for the tick at 1/(1-p) = 1000: as many decimals as the tick needs.
std::string percentile_label(double inverse) {
  char text[32];
  const int decimals = std::max(0, static_cast<int>(std::lround(std::log10(inverse))) - 2);
  std::snprintf(text, sizeof text, "%.*f%%", decimals, (1 - 1 / inverse) * 100);
  return text;
}

// Points over time from the timeline, or from the report intervals when a result has no
// timeline (e.g. one read back from JSON); each at the middle of its step.
struct TimeStep {
  double t = 0, seconds = 0;
  std::uint64_t requests = 0;
  std::array<std::uint64_t, kErrorKindCount> errors{};
  double p50 = kGap, p95 = kGap, p99 = kGap, p999 = kGap, max = kGap;
};

std::vector<TimeStep> time_points(const RunResult& result) {
  std::vector<TimeStep> out;
  for (const TimelinePoint& p : result.timeline) {
    TimeStep t{p.start_seconds + p.seconds / 2, p.seconds, p.requests, p.errors_by_kind};
    if (p.answered > 0) {
      t.p50 = p.p50, t.p95 = p.p95, t.p99 = p.p99, t.p999 = p.p999, t.max = p.max;
    }
    out.push_back(t);
  }
  if (!out.empty()) return out;
  for (const IntervalResult& i : result.intervals) {
    TimeStep t{i.start_seconds + i.seconds / 2, i.seconds, i.requests};
    t.errors[static_cast<std::size_t>(ErrorKind::unsent)] = i.unsent;
    t.p50 = i.p50, t.p99 = i.p99;
    out.push_back(t);
  }
  return out;
}

std::vector<ChartMarker> stage_markers(const RunResult& result) {
  std::vector<ChartMarker> markers;
  if (result.stages.size() < 2) return markers;
  double start = 0;
  for (const StageResult& stage : result.stages) {
    markers.push_back(ChartMarker{start, stage.load});
    start += stage.seconds;
  }
  return markers;
}

// A chaos experiment's faults, from each switch that turned them on to the next switch (or
// the run's end), as the experiment's timeline recorded them.
std::vector<ChartBand> fault_bands(const RunResult& result) {
  std::vector<ChartBand> bands;
  if (!result.experiment) return bands;
  const std::vector<TimelineEntry>& switches = result.experiment->timeline;
  for (std::size_t i = 0; i < switches.size(); ++i) {
    if (!switches[i].state.injects()) continue;
    const double to = i + 1 < switches.size() ? switches[i + 1].at_seconds : result.seconds;
    bands.push_back(
        ChartBand{switches[i].at_seconds, to, "faults: " + describe(switches[i].state)});
  }
  return bands;
}

}  // namespace

std::vector<std::pair<double, double>> percentile_distribution(
    const metrics::HdrHistogram& latency) {
  std::vector<std::pair<double, double>> out;
  const double count = static_cast<double>(latency.count());
  if (count == 0) return out;
  for (int tick = 0;; ++tick) {
    const double inverse = std::pow(2.0, tick / 5.0);  // 1/(1-p)
    if (inverse > count) break;
    const double p = 1 - 1 / inverse;
    out.emplace_back(p, static_cast<double>(latency.quantile(p)) / 1e6);
  }
  const double last = out.empty() ? 1 : 1 / (1 - out.back().first);
  out.emplace_back(1 - 1 / (last * std::pow(2.0, 0.2)), static_cast<double>(latency.max()) / 1e6);
  return out;
}

std::string html_charts(const RunResult& result) {
  const std::vector<TimeStep> points = time_points(result);
  const std::vector<ChartMarker> markers = stage_markers(result);
  const std::vector<ChartBand> bands = fault_bands(result);
  const auto time_range =
      std::pair(0.0, std::max(result.seconds, points.empty() ? 0.0 : points.back().t));
  std::string out;

  ChartSpec latency;
  latency.id = "latency";
  latency.title = "Latency percentiles over time (log scale)";
  latency.y_scale = Scale::log10;
  latency.x_format = axis_time;
  latency.y_format = axis_seconds;
  latency.markers = markers;
  latency.bands = bands;
  latency.x_label = "seconds since the start";
  latency.x_range = time_range;
  std::vector<ChartSeries> latency_series;
  struct Quantile {
    const char* key;
    const char* label;
    double TimeStep::*value;
  };
  const Quantile quantiles[] = {{"p50", "P50", &TimeStep::p50},
                                {"p95", "P95", &TimeStep::p95},
                                {"p99", "P99", &TimeStep::p99},
                                {"p999", "P99.9", &TimeStep::p999},
                                {"max", "max", &TimeStep::max}};
  for (std::size_t i = 0; i < std::size(quantiles); ++i) {
    ChartSeries s{quantiles[i].key, quantiles[i].label, kLatencyColors[i], {}};
    for (const TimeStep& p : points) s.points.emplace_back(p.t, p.*quantiles[i].value);
    latency_series.push_back(std::move(s));
  }
  out += svg_chart(latency, latency_series);

  ChartSpec rate;
  rate.id = "rate";
  rate.title = "Requests per second over time";
  rate.x_format = axis_time;
  rate.y_format = axis_number;
  rate.markers = markers;
  rate.bands = bands;
  rate.x_label = "seconds since the start";
  rate.x_range = time_range;
  ChartSeries sent{"rps", "requests/s", "#2f6fde", {}};
  for (const TimeStep& p : points) {
    const double unsent =
        static_cast<double>(p.errors[static_cast<std::size_t>(ErrorKind::unsent)]);
    sent.points.emplace_back(
        p.t, p.seconds > 0 ? (static_cast<double>(p.requests) - unsent) / p.seconds : kGap);
  }
  out += svg_chart(rate, {sent});

  ChartSpec errors;
  errors.id = "errors";
  errors.title = "Errors per second over time, by kind";
  errors.x_format = axis_time;
  errors.y_format = axis_number;
  errors.markers = markers;
  errors.bands = bands;
  errors.x_label = "seconds since the start";
  errors.x_range = time_range;
  std::vector<ChartSeries> error_series;
  for (std::size_t k = 0; k < kErrorKindCount; ++k) {
    const std::string name(error_kind_name(static_cast<ErrorKind>(k)));
    ChartSeries s{name, name, kErrorColors[k], {}};
    for (const TimeStep& p : points)
      s.points.emplace_back(p.t,
                            p.seconds > 0 ? static_cast<double>(p.errors[k]) / p.seconds : kGap);
    error_series.push_back(std::move(s));
  }
  out += svg_chart(errors, error_series);

  ChartSpec distribution;
  distribution.id = "distribution";
  distribution.title = "Latency by percentile (HdrHistogram's plot)";
  distribution.x_scale = Scale::log10;
  distribution.y_format = axis_seconds;
  distribution.x_label = "percentile";
  ChartSeries whole{"latency", "whole run", "#e8554c", {}};
  for (const auto& [p, value] : percentile_distribution(result.latency))
    whole.points.emplace_back(1 / (1 - p), value);
  double top = 10;
  while (!whole.points.empty() && top < whole.points.back().first) top *= 10;
  for (double inverse = 1; inverse <= top; inverse *= 10)
    distribution.x_ticks.emplace_back(inverse, percentile_label(inverse));
  out += svg_chart(distribution, {whole});
  return out;
}

}  // namespace faultline::loadgen
