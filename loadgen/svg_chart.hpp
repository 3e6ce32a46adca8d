// Line charts as inline SVG for the HTML report: axes with round ticks (linear, or
// decades on a log scale), one path per series, dashed vertical markers (stage starts),
// shaded bands (fault stages).
// Pure: values in, markup out; the report needs no script to show them.
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline::loadgen {

struct ChartSeries {
  std::string key;                                // data-series attribute, e.g. "p99"
  std::string label;                              // legend, e.g. "P99"
  std::string color;                              // CSS color
  std::vector<std::pair<double, double>> points;  // (x, y); a NaN y breaks the line
};

struct ChartMarker {
  double x = 0;
  std::string label;
};

// A shaded stretch of the x axis (a chaos experiment's faults), named in its tooltip.
struct ChartBand {
  double from = 0, to = 0;
  std::string label;
};

enum class Scale { linear, log10 };

struct ChartSpec {
  std::string id;     // data-chart attribute
  std::string title;  // the figure's caption
  Scale x_scale = Scale::linear;
  Scale y_scale = Scale::linear;
  std::function<std::string(double)> x_format;
  std::function<std::string(double)> y_format;
  std::vector<std::pair<double, std::string>> x_ticks;  // fixed ticks; empty = round ones
  std::optional<std::pair<double, double>> x_range;     // default: the values' range
  std::vector<ChartMarker> markers;
  std::vector<ChartBand> bands;
  std::string x_label;
};

inline constexpr double kGap = std::numeric_limits<double>::quiet_NaN();

// <figure class="chart" data-chart="ID"> with a caption, a legend and the <svg>.
std::string svg_chart(const ChartSpec& spec, const std::vector<ChartSeries>& series);

// Text for HTML and SVG: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace faultline::loadgen
