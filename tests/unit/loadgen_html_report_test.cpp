// The HTML report and what feeds it: the timeline's steps, HdrHistogram's percentile
// ticks, the SVG charts and the page itself (self-contained, stress steps and gates marked).
#include <gtest/gtest.h>

#include <regex>

#include "loadgen/report.hpp"
#include "loadgen/report_html_charts.hpp"
#include "loadgen/svg_chart.hpp"
#include "loadgen/timeline.hpp"

namespace faultline::loadgen {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

std::size_t occurrences(const std::string& text, const std::string& piece) {
  std::size_t n = 0;
  for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1))
    ++n;
  return n;
}

TEST(Timeline, StepIsOneSecondUnlessTheRunIsLongerThan600Seconds) {
  EXPECT_EQ(timeline_step(seconds(30)), seconds(1));
  EXPECT_EQ(timeline_step(seconds(600)), seconds(1));
  EXPECT_EQ(timeline_step(seconds(601)), seconds(2));
  EXPECT_EQ(timeline_step(hours(1)), seconds(6));
  EXPECT_EQ(timeline_step(hours(24)), seconds(144));
}

TEST(Timeline, EachStepHasItsOwnCountsAndPercentiles) {
  TimelineRecorder timeline(seconds(1));
  Tally tally;
  tally.requests = 100;
  metrics::HdrHistogram latency;
  for (int i = 1; i <= 100; ++i) latency.record(1000 * static_cast<std::uint64_t>(i));  // 1..100 ms
  timeline.add(tally, latency);
  EXPECT_EQ(timeline.next_boundary(), seconds(1));
  timeline.close(seconds(1));
  EXPECT_EQ(timeline.next_boundary(), seconds(2));
  Tally failed;
  failed.requests = 3;
  failed.errors_of(ErrorKind::timeout) = 3;
  timeline.add(failed, metrics::HdrHistogram());
  const auto points = timeline.finish(std::chrono::milliseconds(1500));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].requests, 100u);
  EXPECT_NEAR(points[0].p50, 0.050, 0.0001);
  EXPECT_NEAR(points[0].p99, 0.099, 0.0001);
  EXPECT_NEAR(points[0].max, 0.100, 0.0001);
  EXPECT_DOUBLE_EQ(points[1].start_seconds, 1.0);
  EXPECT_DOUBLE_EQ(points[1].seconds, 0.5) << "the run's end cuts the last step short";
  EXPECT_EQ(points[1].answered, 0u);
  EXPECT_EQ(points[1].errors_by_kind[static_cast<std::size_t>(ErrorKind::timeout)], 3u);
}

TEST(PercentileDistribution, TicksFiveTimesPerHalvingUpToTheCountThenTheMax) {
  metrics::HdrHistogram latency;
  for (int i = 1; i <= 1000; ++i) latency.record(static_cast<std::uint64_t>(i));  // 1..1000 us
  const auto points = percentile_distribution(latency);
  ASSERT_GT(points.size(), 10u);
  EXPECT_DOUBLE_EQ(points[0].first, 0.0);
  EXPECT_NEAR(points[5].first, 0.5, 1e-12) << "five ticks per halving of the distance to 100 %";
  EXPECT_NEAR(points[10].first, 0.75, 1e-12);
  for (std::size_t i = 1; i < points.size(); ++i) {
    EXPECT_GT(points[i].first, points[i - 1].first);
    EXPECT_GE(points[i].second, points[i - 1].second);
  }
  EXPECT_LE(1 / (1 - points[points.size() - 2].first), 1000.0);
  EXPECT_DOUBLE_EQ(points.back().second, 1000e-6);
  EXPECT_TRUE(percentile_distribution(metrics::HdrHistogram()).empty());
}

TEST(SvgChart, GapsBreakTheLineAndLogAxesTickAtDecades) {
  ChartSpec spec;
  spec.id = "lat";
  spec.title = "Latency <over> time";
  spec.y_scale = Scale::log10;
  spec.x_format = [](double v) { return std::to_string(static_cast<int>(v)); };
  spec.y_format = [](double v) { return std::to_string(v); };
  ChartSeries s{"p99", "P99", "#e8554c", {{0, 0.001}, {1, 0.002}, {2, kGap}, {3, 0.5}, {4, 0.6}}};
  const std::string svg = svg_chart(spec, {s});
  EXPECT_NE(svg.find("data-chart=\"lat\""), std::string::npos);
  EXPECT_NE(svg.find("Latency &lt;over&gt; time"), std::string::npos);
  std::smatch path;
  ASSERT_TRUE(std::regex_search(
      svg, path, std::regex("data-series=\"p99\" data-points=\"4\"[^>]* d=\"([^\"]*)\"")));
  EXPECT_EQ(occurrences(path[1].str(), "M"), 2u) << "a gap starts a new line";
  EXPECT_EQ(occurrences(svg, "class=\"grid\""), 4u) << "1ms, 10ms, 100ms, 1s";
}

RunResult stress_run() {
  RunResult r;
  r.url = "http://127.0.0.1:9000/?a=1&b=<2>";
  r.model = LoadModel::open;
  r.connections = 64;
  r.threads = 2;
  r.seconds = 3;
  r.stress.emplace();
  for (int step = 0; step < 3; ++step) {
    StageResult s;
    s.name = std::to_string(step + 1);
    s.load = std::to_string(100 * (step + 1)) + "/s";
    s.seconds = 1;
    s.tally.requests = 100;
    for (int i = 0; i < 100; ++i) s.latency.record(step == 2 ? 6'000'000 : 1000);
    r.total.merge(s.tally);
    r.latency.merge(s.latency);
    r.stages.push_back(std::move(s));
    TimelinePoint p;
    p.start_seconds = step;
    p.seconds = 1;
    p.requests = p.answered = 100;
    p.p50 = p.p95 = p.p99 = p.p999 = p.max = step == 2 ? 6 : 0.001;
    r.timeline.push_back(p);
  }
  r.stress->last_good = StressOutcome::Step{200, 0.001, 0};
  r.stress->broke_at = StressOutcome::Step{300, 6, 0};
  r.stress->reason = "p95 6.00s > 5.00s";
  return r;
}

TEST(HtmlReport, IsOneSelfContainedPageWithFourCharts) {
  const std::string html = html_report(stress_run(), Verdict{});
  EXPECT_TRUE(html.starts_with("<!doctype html>"));
  for (const char* chart : {"latency", "rate", "errors", "distribution"})
    EXPECT_NE(html.find(std::string("data-chart=\"") + chart + "\""), std::string::npos) << chart;
  EXPECT_EQ(html.find("<script"), std::string::npos) << "nothing to run: it opens anywhere";
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:)?//")));
  EXPECT_NE(html.find("http://127.0.0.1:9000/?a=1&amp;b=&lt;2&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<2>"), std::string::npos);
  EXPECT_EQ(html.find("class=\"verdict"), std::string::npos) << "no gates, no verdict";
}

TEST(HtmlReport, MarksTheBreakingStepAndTheLastGoodOne) {
  const std::string html = html_report(stress_run(), Verdict{});
  EXPECT_NE(html.find("<h2>Stress steps</h2>"), std::string::npos);
  EXPECT_NE(html.find("Broke at 300/s: p95 6.00s &gt; 5.00s."), std::string::npos) << html;
  EXPECT_EQ(occurrences(html, "<tr class=\"broke\"><td>3</td><td>300/s</td>"), 1u);
  EXPECT_EQ(occurrences(html, "<tr class=\"last-good\"><td>2</td><td>200/s</td>"), 1u);
  EXPECT_NE(html.find("<td>broke: p95 6.00s &gt; 5.00s</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>held</td>"), std::string::npos);
}

TEST(HtmlReport, ShowsEveryThresholdPassedOrFailedAndTheVerdict) {
  const RunResult run = stress_run();
  Threshold fast, loose;
  ASSERT_EQ(parse_threshold("p99<100ms", fast), "");
  ASSERT_EQ(parse_threshold("error_rate<0.01", loose), "");
  Verdict verdict;
  verdict.thresholds = evaluate_thresholds({fast, loose}, threshold_inputs(run));
  const std::string html = html_report(run, verdict);
  EXPECT_NE(
      html.find(
          "<tr "
          "class=\"failed\"><td>threshold</td><td>p99&lt;100ms</td><td>6.00s</td><td>FAILED</td>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr "
                      "class=\"passed\"><td>threshold</td><td>error_rate&lt;0.01</td><td>0.00%</"
                      "td><td>passed</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<p class=\"verdict failed\">FAILED</p>"), std::string::npos);
}

TEST(HtmlReport, ShadesAChaosExperimentsFaultsOnTheChartsOverTime) {
  RunResult run = stress_run();
  run.experiment.emplace();
  FaultState none, spiky;
  spiky.profile = "spiky";
  run.experiment->timeline = {{0, 0, none}, {1, 1, spiky}, {2, 2, none}};
  const std::string html = html_report(run, Verdict{});
  // Latency, requests/s and errors/s; not the distribution, which has no time axis.
  EXPECT_EQ(occurrences(html, "<rect class=\"fault\" data-band=\"faults: spiky\""), 3u) << html;
  EXPECT_EQ(occurrences(html, "<rect class=\"fault\""), 3u);
  EXPECT_EQ(occurrences(html_report(stress_run(), Verdict{}), "<rect class=\"fault\""), 0u);
}

}  // namespace
}  // namespace faultline::loadgen
