// `faultline bench --html FILE`: the run as one self-contained page that opens from disk in
// any browser (no script, no network): a summary, the charts of report_html_charts.cpp,
// the stage or stress-step table with the breaking point marked, and the gates.
#include <cstdarg>
#include <cstdio>

#include "loadgen/report.hpp"
#include "loadgen/report_html_charts.hpp"
#include "loadgen/svg_chart.hpp"

namespace faultline::loadgen {

std::string_view html_report_style();  // report_html_style.cpp

namespace {

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* format, ...) {
  char text[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  return text;
}

std::string count(std::uint64_t n) {
  return std::to_string(n);
}

std::string tile(const char* label, const std::string& value, const char* key) {
  return printf_string("<div data-summary=\"%s\"><span>%s</span><b>", key, label) +
         html_escape(value) + "</b></div>";
}

std::string summary(const RunResult& r) {
  const LatencySummary s = summarize_latency(r.latency);
  std::string out = "<section class=\"summary\">";
  out += tile("requests", count(r.total.requests), "requests");
  out += tile("errors", count(r.total.errors()) + " (" + format_percent(r.total.error_rate()) + ")",
              "errors");
  out += tile("requests/s", printf_string("%.1f", r.rps()), "rps");
  out += tile("mean", format_seconds(s.mean), "mean");
  out += tile("P50", format_seconds(s.p50), "p50");
  out += tile("P95", format_seconds(s.p95), "p95");
  out += tile("P99", format_seconds(s.p99), "p99");
  out += tile("P99.9", format_seconds(s.p999), "p999");
  out += tile("max", format_seconds(s.max), "max");
  out += "</section>\n<p class=\"dim\">Errors by kind: ";
  for (std::size_t i = 0; i < kErrorKindCount; ++i) {
    out += i == 0 ? "" : ", ";
    out += std::string(error_kind_name(static_cast<ErrorKind>(i))) + " " +
           count(r.total.errors_by_kind[i]);
  }
  out += ". Status 4xx (not errors): " + count(r.total.status_4xx) + ".";
  if (r.first_tls_error)
    out += " First TLS error: " + html_escape(r.first_tls_error->message) + " (" +
           html_escape(r.first_tls_error->reason) + ").";
  if (r.model == LoadModel::open)
    out += " Late (waited for a free connection): " + count(r.total.late) + ".";
  out += "</p>\n";
  return out;
}

// The stage table; in a stress run each stage is a step, and the one that broke the limits
// (the last one run) and the last good one are marked.
std::string stage_table(const RunResult& r) {
  if (r.stages.size() < 2 && !r.stress) return "";
  const bool stress = r.stress.has_value();
  std::string out = stress ? "<h2>Stress steps</h2>\n" : "<h2>Stages</h2>\n";
  if (stress) {
    const StressOutcome& st = *r.stress;
    out += "<p class=\"stress\">";
    out += st.last_good
               ? printf_string("Last good step: %.0f/s (P95 %s, errors %s). ", st.last_good->rate,
                               format_seconds(st.last_good->p95_seconds).c_str(),
                               format_percent(st.last_good->error_rate).c_str())
               : std::string("No step held. ");
    out += st.broke_at ? printf_string("Broke at %.0f/s: ", st.broke_at->rate) +
                             html_escape(st.reason) + "."
                       : std::string("No step broke the limits.");
    out += "</p>\n";
  }
  out +=
      "<table class=\"stages\"><tr><th>stage</th><th>load</th><th>seconds</th><th>requests</th>"
      "<th>errors</th><th>req/s</th><th>mean</th><th>P50</th><th>P95</th><th>P99</th>"
      "<th>P99.9</th><th>max</th>";
  if (stress) out += "<th>step</th>";
  out += "</tr>\n";
  for (std::size_t i = 0; i < r.stages.size(); ++i) {
    const StageResult& stage = r.stages[i];
    const LatencySummary s = summarize_latency(stage.latency);
    std::string mark, note;
    if (stress) {
      const bool run_broke = r.stress->broke_at.has_value();
      const bool broke = run_broke && i + 1 == r.stages.size();
      const bool last_good = r.stress->last_good && i + (run_broke ? 2 : 1) == r.stages.size();
      mark = broke ? " class=\"broke\"" : last_good ? " class=\"last-good\"" : "";
      note = broke ? "broke: " + html_escape(r.stress->reason) : last_good ? "last good" : "held";
    }
    out += "<tr" + mark + "><td>" + html_escape(stage.name) + "</td><td>" +
           html_escape(stage.load) + "</td>" + printf_string("<td>%.2f</td>", stage.seconds) +
           "<td>" + count(stage.tally.requests) + "</td><td>" + count(stage.tally.errors()) +
           "</td>" + printf_string("<td>%.1f</td>", stage.rps());
    for (double v : {s.mean, s.p50, s.p95, s.p99, s.p999, s.max})
      out += "<td>" + format_seconds(v) + "</td>";
    if (stress) out += "<td>" + note + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string gates(const Verdict& verdict) {
  if (verdict.thresholds.empty() && verdict.baseline.empty()) return "";
  std::string out =
      "<h2>Thresholds and baseline</h2>\n<table class=\"gates\">"
      "<tr><th>check</th><th>limit</th><th>actual</th><th>result</th></tr>\n";
  for (const ThresholdResult& t : verdict.thresholds) {
    const bool is_rate = t.threshold.metric == ThresholdMetric::error_rate;
    out += std::string("<tr class=\"") + (t.passed ? "passed" : "failed") +
           "\"><td>threshold</td><td>" + html_escape(t.threshold.text) + "</td><td>" +
           (is_rate ? format_percent(t.actual) : format_seconds(t.actual)) + "</td><td>" +
           (t.passed ? "passed" : "FAILED") + "</td></tr>\n";
  }
  for (const BaselineCheck& b : verdict.baseline) {
    const bool is_rps = b.metric == "rps";
    auto value = [&](double v) { return is_rps ? printf_string("%.1f/s", v) : format_seconds(v); };
    out += std::string("<tr class=\"") + (b.passed ? "passed" : "failed") + "\"><td>baseline " +
           html_escape(b.metric) + "</td><td>" + value(b.baseline) +
           printf_string(" (at most %.1f%% worse)", verdict.max_regression * 100) + "</td><td>" +
           value(b.current) + printf_string(" (%+.1f%%)", b.change * 100) + "</td><td>" +
           (b.passed ? "passed" : "FAILED") + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string html_report(const RunResult& r, const Verdict& verdict) {
  const bool gated = !verdict.thresholds.empty() || !verdict.baseline.empty();
  std::string out =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>faultline bench: " +
      html_escape(r.url) + "</title>\n<style>\n" + std::string(html_report_style()) +
      "</style>\n</head>\n<body>\n<header><h1>faultline bench</h1><p>" + html_escape(r.url) +
      "</p><p class=\"dim\">" +
      printf_string("%s model, %u connections, %u threads, %.2f s. Latency %s.",
                    r.model == LoadModel::open ? "open" : "closed", r.connections, r.threads,
                    r.seconds,
                    r.model == LoadModel::open
                        ? "from the intended send time (coordinated omission corrected)"
                        : "from the actual send time") +
      "</p>";
  if (gated) {
    out += verdict.passed() ? "<p class=\"verdict passed\">passed</p>"
                            : "<p class=\"verdict failed\">FAILED</p>";
  }
  out += "</header>\n<main>\n" + summary(r) + "<div class=\"charts\">\n" + html_charts(r) +
         "</div>\n" + stage_table(r) + gates(verdict) +
         "</main>\n<footer class=\"dim\">Written by faultline bench. Percentiles come from an HDR "
         "histogram (3 significant digits); the charts over time use steps of " +
         printf_string("%g", r.timeline.empty() ? 0.0 : r.timeline.front().seconds) +
         " s.</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace faultline::loadgen
