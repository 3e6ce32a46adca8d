#include "loadgen/threshold.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "base/text.hpp"
#include "base/units.hpp"

namespace faultline::loadgen {

namespace {

constexpr std::array<std::pair<std::string_view, ThresholdMetric>, 7> kMetrics = {{
    {"p50", ThresholdMetric::p50},
    {"p95", ThresholdMetric::p95},
    {"p99", ThresholdMetric::p99},
    {"p999", ThresholdMetric::p999},
    {"max", ThresholdMetric::max},
    {"mean", ThresholdMetric::mean},
    {"error_rate", ThresholdMetric::error_rate},
}};

}  // namespace

std::string_view metric_name(ThresholdMetric metric) {
  for (const auto& [name, value] : kMetrics)
    if (value == metric) return name;
  return "?";
}

std::string make_threshold(std::string_view metric, std::string_view value, Threshold& out) {
  const auto* found = std::find_if(kMetrics.begin(), kMetrics.end(),
                                   [&](const auto& entry) { return entry.first == metric; });
  if (found == kMetrics.end())
    return "unknown metric '" + std::string(metric) +
           "'; use p50, p95, p99, p999, max, mean or error_rate";
  Threshold parsed;
  parsed.metric = found->second;
  if (parsed.metric == ThresholdMetric::error_rate) {
    double fraction = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), fraction);
    if (ec != std::errc{} || end != value.data() + value.size() || !(fraction >= 0) ||
        fraction > 1) {
      return "error_rate needs a fraction from 0 to 1, like error_rate<0.01";
    }
    parsed.limit = fraction;
  } else {
    auto duration = faultline::parse_duration(value);
    if (!duration) return faultline::duration_error(value);
    parsed.limit = static_cast<double>(duration->count()) / 1e6;
  }
  parsed.text = std::string(metric) + "<" + std::string(value);
  out = std::move(parsed);
  return "";
}

std::string parse_threshold(std::string_view text, Threshold& out) {
  const std::size_t less = text.find('<');
  if (less == std::string_view::npos)
    return "expected METRIC<VALUE, like p95<300ms or error_rate<0.01";
  return make_threshold(trim(text.substr(0, less)), trim(text.substr(less + 1)), out);
}

double metric_value(ThresholdMetric metric, const ThresholdInputs& in) {
  switch (metric) {
    case ThresholdMetric::p50:
      return in.p50;
    case ThresholdMetric::p95:
      return in.p95;
    case ThresholdMetric::p99:
      return in.p99;
    case ThresholdMetric::p999:
      return in.p999;
    case ThresholdMetric::max:
      return in.max;
    case ThresholdMetric::mean:
      return in.mean;
    case ThresholdMetric::error_rate:
      return in.error_rate;
  }
  return 0;
}

std::vector<ThresholdResult> evaluate_thresholds(const std::vector<Threshold>& thresholds,
                                                 const ThresholdInputs& inputs) {
  std::vector<ThresholdResult> results;
  results.reserve(thresholds.size());
  for (const Threshold& t : thresholds) {
    const double actual = metric_value(t.metric, inputs);
    results.push_back({t, actual, actual < t.limit});
  }
  return results;
}

}  // namespace faultline::loadgen
