#include "loadgen/baseline.hpp"

#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace faultline::loadgen {

namespace {

bool read_number(const boost::json::object& object, std::string_view key, double& out) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_number()) return false;
  out = value->to_number<double>();
  return true;
}

}  // namespace

std::string parse_baseline(std::string_view json_text, BaselineNumbers& out) {
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(json_text, ec);
  if (ec) return "not valid JSON: " + ec.message();
  const boost::json::object* root = document.if_object();
  if (root == nullptr) return "expected a JSON object (a faultline bench --json report)";
  BaselineNumbers numbers;
  if (!read_number(*root, "rps", numbers.rps)) return "no number \"rps\"";
  const boost::json::value* latency = root->if_contains("latency_seconds");
  if (latency == nullptr || !latency->is_object()) return "no object \"latency_seconds\"";
  const auto& l = latency->get_object();
  if (!read_number(l, "p50", numbers.p50) || !read_number(l, "p95", numbers.p95) ||
      !read_number(l, "p99", numbers.p99)) {
    return "\"latency_seconds\" needs numbers p50, p95 and p99";
  }
  out = numbers;
  return "";
}

BaselineNumbers baseline_numbers(const RunResult& result) {
  const LatencySummary s = summarize_latency(result.latency);
  return BaselineNumbers{result.rps(), s.p50, s.p95, s.p99};
}

std::vector<BaselineCheck> compare_to_baseline(const BaselineNumbers& current,
                                               const BaselineNumbers& baseline,
                                               double max_regression) {
  std::vector<BaselineCheck> checks;
  auto higher_is_worse = [&](std::string metric, double base, double now) {
    BaselineCheck check{std::move(metric), base, now, 0, true};
    check.change = base > 0 ? now / base - 1 : (now > 0 ? 1 : 0);
    check.passed = check.change <= max_regression;
    checks.push_back(check);
  };
  higher_is_worse("p50", baseline.p50, current.p50);
  higher_is_worse("p95", baseline.p95, current.p95);
  higher_is_worse("p99", baseline.p99, current.p99);
  BaselineCheck rps{"rps", baseline.rps, current.rps, 0, true};
  rps.change = baseline.rps > 0 ? 1 - current.rps / baseline.rps : 0;
  rps.passed = rps.change <= max_regression;
  checks.push_back(rps);
  return checks;
}

std::string parse_regression(std::string_view text, double& out) {
  const bool percent = text.ends_with('%');
  if (percent) text.remove_suffix(1);
  double value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !(value >= 0))
    return "expected a percentage like 10% (or a fraction like 0.1)";
  out = percent ? value / 100 : value;
  return "";
}

bool Verdict::passed() const {
  if (!experiment_held) return false;
  for (const auto& t : thresholds)
    if (!t.passed) return false;
  for (const auto& b : baseline)
    if (!b.passed) return false;
  return true;
}

}  // namespace faultline::loadgen
