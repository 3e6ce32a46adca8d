#include "loadgen/svg_chart.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace faultline::loadgen {

namespace {

constexpr double kWidth = 720, kHeight = 240;
constexpr double kLeft = 64, kRight = 14, kTop = 10, kBottom = 34;

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

// A round step (1, 2 or 5 times a power of ten) that splits `span` into about 5.
double round_step(double span) {
  const double raw = span > 0 ? span / 5 : 1;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

// Maps values of one axis onto pixels.
struct Axis {
  Scale scale = Scale::linear;
  double low = 0, high = 1;  // in values (for log: both > 0)
  double from = 0, to = 1;   // in pixels

  double operator()(double v) const {
    double f;
    if (scale == Scale::log10) {
      f = (std::log10(std::max(v, low)) - std::log10(low)) / (std::log10(high) - std::log10(low));
    } else {
      f = (v - low) / (high - low);
    }
    return from + std::clamp(f, 0.0, 1.0) * (to - from);
  }

  std::vector<double> ticks() const {
    std::vector<double> out;
    if (scale == Scale::log10) {
      for (double d = low; d <= high * 1.0001; d *= 10) out.push_back(d);
    } else {
      const double step = round_step(high - low);
      for (double v = std::ceil(low / step) * step; v <= high + step * 1e-6; v += step)
        out.push_back(v);
    }
    return out;
  }
};

// The axis covering [min, max] of the values given, with round ends.
Axis fit(Scale scale, double min, double max, double from, double to, bool from_zero) {
  Axis axis{scale, 0, 1, from, to};
  if (!(max >= min)) {
    // No values (a run without one answer has no latency): an empty axis, whose ticks
    // still end (a log axis cannot start at 0).
    if (scale == Scale::log10) axis.low = 0.1;
    return axis;
  }
  if (scale == Scale::log10) {
    axis.low = std::pow(10, std::floor(std::log10(min > 0 ? min : 1e-6)));
    axis.high = std::pow(10, std::ceil(std::log10(max > axis.low ? max : axis.low * 10)));
    if (axis.high <= axis.low) axis.high = axis.low * 10;
  } else {
    axis.low = from_zero ? 0 : min;
    const double step = round_step((max > axis.low ? max : axis.low + 1) - axis.low);
    axis.high = std::max(axis.low + step, std::ceil(max / step) * step);
  }
  return axis;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_chart(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double x_min = inf, x_max = -inf, y_min = inf, y_max = -inf;
  for (const ChartSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      if (std::isnan(y) || (spec.y_scale == Scale::log10 && y <= 0)) continue;
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  }
  for (const auto& [x, label] : spec.x_ticks) {
    x_min = std::min(x_min, x);
    x_max = std::max(x_max, x);
  }
  Axis x = fit(spec.x_scale, x_min, x_max, kLeft, kWidth - kRight, spec.x_scale == Scale::linear);
  if (!spec.x_ticks.empty()) {
    x.low = spec.x_ticks.front().first;
    x.high = std::max(x_max, spec.x_ticks.back().first);
  }
  if (spec.x_range && spec.x_range->second > spec.x_range->first) {
    x.low = spec.x_range->first;
    x.high = spec.x_range->second;
  }
  const Axis y = fit(spec.y_scale, y_min, y_max, kHeight - kBottom, kTop, true);

  std::string svg = "<svg class=\"plot\" viewBox=\"0 0 " + number(kWidth) + " " + number(kHeight) +
                    "\" role=\"img\" aria-label=\"" + html_escape(spec.title) + "\">";
  for (double v : y.ticks()) {
    const std::string py = number(y(v));
    svg += "<line class=\"grid\" x1=\"" + number(kLeft) + "\" x2=\"" + number(kWidth - kRight) +
           "\" y1=\"" + py + "\" y2=\"" + py + "\"/><text x=\"" + number(kLeft - 5) + "\" y=\"" +
           number(y(v) + 3.5) + "\" text-anchor=\"end\">" + html_escape(spec.y_format(v)) +
           "</text>";
  }
  std::vector<std::pair<double, std::string>> x_ticks = spec.x_ticks;
  if (x_ticks.empty()) {
    for (double v : x.ticks()) x_ticks.emplace_back(v, spec.x_format(v));
  }
  for (const auto& [v, label] : x_ticks) {
    if (v < x.low || v > x.high * 1.0001) continue;
    // Labels at the edges stay inside the picture.
    const char* anchor = x(v) <= kLeft + 1             ? "start"
                         : x(v) >= kWidth - kRight - 1 ? "end"
                                                       : "middle";
    svg += "<text x=\"" + number(x(v)) + "\" y=\"" + number(kHeight - kBottom + 15) +
           "\" text-anchor=\"" + anchor + "\">" + html_escape(label) + "</text>";
  }
  if (!spec.x_label.empty()) {
    svg += "<text x=\"" + number((kLeft + kWidth - kRight) / 2) + "\" y=\"" + number(kHeight - 3) +
           "\" text-anchor=\"middle\">" + html_escape(spec.x_label) + "</text>";
  }
  for (const ChartBand& b : spec.bands) {
    const double from = x(std::max(b.from, x.low)), to = x(std::min(b.to, x.high));
    if (to <= from) continue;
    svg += "<rect class=\"fault\" data-band=\"" + html_escape(b.label) + "\" x=\"" + number(from) +
           "\" y=\"" + number(kTop) + "\" width=\"" + number(to - from) + "\" height=\"" +
           number(kHeight - kBottom - kTop) + "\"><title>" + html_escape(b.label) +
           "</title></rect>";
  }
  for (const ChartMarker& m : spec.markers) {
    const std::string px = number(x(m.x));
    svg += "<line class=\"marker\" x1=\"" + px + "\" x2=\"" + px + "\" y1=\"" + number(kTop) +
           "\" y2=\"" + number(kHeight - kBottom) + "\"/><text class=\"marker\" x=\"" +
           number(x(m.x) + 3) + "\" y=\"" + number(kTop + 9) + "\">" + html_escape(m.label) +
           "</text>";
  }
  for (const ChartSeries& s : series) {
    std::string d;
    bool pen = false;
    std::size_t drawn = 0;
    for (const auto& [px, py] : s.points) {
      if (std::isnan(py) || (spec.y_scale == Scale::log10 && py <= 0)) {
        pen = false;
        continue;
      }
      d += (pen ? "L" : "M") + number(x(px)) + " " + number(y(py));
      pen = true;
      ++drawn;
    }
    svg += "<path class=\"series\" data-series=\"" + html_escape(s.key) + "\" data-points=\"" +
           std::to_string(drawn) + "\" stroke=\"" + html_escape(s.color) + "\" d=\"" +
           (d.empty() ? "M0 0" : d) + "\"/>";
  }
  svg += "</svg>";

  std::string legend;
  for (const ChartSeries& s : series) {
    legend += "<i style=\"background:" + html_escape(s.color) + "\"></i>" + html_escape(s.label);
  }
  return "<figure class=\"chart\" data-chart=\"" + html_escape(spec.id) + "\"><figcaption><b>" +
         html_escape(spec.title) + "</b><span class=\"legend\">" + legend + "</span></figcaption>" +
         svg + "</figure>\n";
}

}  // namespace faultline::loadgen
