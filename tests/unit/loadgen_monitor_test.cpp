// --monitor: the process_* samples read from Prometheus text, the CPU % and memory of a
// window from the samples at its ends, and the figures in both reports and back.
#include <gtest/gtest.h>

#include "loadgen/monitor.hpp"
#include "loadgen/report.hpp"
#include "loadgen/report_merge.hpp"
#include "loadgen/report_monitor.hpp"
#include "loadgen/report_reader.hpp"
#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {
namespace {

TEST(LoadgenMonitor, ReadsTheProcessMetricsOfAPrometheusPage) {
  MonitorSample s;
  ASSERT_EQ(parse_process_metrics("# HELP process_cpu_seconds_total Total user and system CPU.\n"
                                  "# TYPE process_cpu_seconds_total counter\n"
                                  "process_cpu_seconds_total 12.5\n"
                                  "process_resident_memory_bytes{kind=\"x\"} 1\n"
                                  "process_resident_memory_bytes 2.5165824e+07 1700000000000\r\n"
                                  "process_open_fds 42\n"
                                  "faultline_requests_total{route=\"a\"} 7\n",
                                  s),
            "");
  EXPECT_TRUE(s.ok);
  EXPECT_EQ(s.cpu_seconds, 12.5);
  EXPECT_EQ(s.resident_bytes, 25165824u);  // the unlabelled series, timestamp ignored
  EXPECT_EQ(s.open_fds, 42u);

  MonitorSample partial;
  ASSERT_EQ(parse_process_metrics("process_cpu_seconds_total 1\n", partial), "");
  EXPECT_FALSE(partial.resident_bytes);
  MonitorSample none;
  EXPECT_NE(parse_process_metrics("up 1\n", none), "");
  EXPECT_FALSE(none.ok);
}

MonitorSeries series() {
  MonitorSeries m;
  m.source = "pid 7";
  // 1 core busy in the first second, half a core in the second; the second boundary's
  // sample comes 40 ms late, the third failed.
  m.samples = {MonitorSample{0.002, true, 10.0, 100 << 20, 20},
               MonitorSample{1.0, true, 11.0, 110 << 20, 25},
               MonitorSample{2.04, true, 11.52, 120 << 20, 30},
               MonitorSample{3.0, false, 0, std::nullopt, std::nullopt}};
  return m;
}

TEST(LoadgenMonitor, WindowFiguresComeFromTheSamplesAtItsEnds) {
  const MonitorSeries m = series();
  EXPECT_EQ(m.failed(), 1u);
  MonitorFigures first = monitor_figures(m, 0, 1);
  ASSERT_TRUE(first.cpu_percent);
  EXPECT_NEAR(*first.cpu_percent, 100.0 * 1.0 / 0.998, 1e-9);
  EXPECT_EQ(first.resident_bytes, 110u << 20);
  EXPECT_EQ(first.open_fds, 25u);
  MonitorFigures second = monitor_figures(m, 1, 2);
  EXPECT_NEAR(*second.cpu_percent, 100.0 * 0.52 / 1.04, 1e-9);
  // The sample at 3 s failed: nothing is known of the last window.
  EXPECT_FALSE(monitor_figures(m, 2, 3).any());
  EXPECT_NEAR(*monitor_figures(m, 0, 2).cpu_percent, 100.0 * 1.52 / 2.038, 1e-9);
}

RunResult monitored_run() {
  RunResult r;
  r.url = "http://127.0.0.1:9000/";
  r.seconds = 3;
  StageResult stage;
  stage.name = "1";
  stage.seconds = 2;
  r.stages.push_back(stage);
  r.intervals.push_back(IntervalResult{0, 1, 10, 0, 0, 0.001, 0.002, 2000, ""});
  r.intervals.push_back(IntervalResult{1, 1, 10, 0, 0, 0.001, 0.002, 2000, ""});
  r.monitor = series();
  r.monitor->last_error = "connect: Connection refused";
  return r;
}

TEST(LoadgenMonitor, ReportsShowCpuRssAndFdsPerStageAndIntervalAndTheRssDrift) {
  const RunResult r = monitored_run();
  const std::string text = text_report(r, Verdict{});
  for (const char* piece : {"Target pid 7: 4 samples, 1 failed (last: connect: Connection refused)",
                            "  stage 1               74.6%   120.0MiB     30",
                            "        0s            100.2%   110.0MiB     25",
                            ", target rss 110.0MiB -> 120.0MiB (+9%)"})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  const std::string json = json_report(r, Verdict{});
  for (const char* piece : {"\"monitor\": {\"source\": \"pid 7\"", "\"failed_samples\": 1",
                            "\"monitor\": {\"cpu_percent\": 50.0, \"resident_bytes\": 125829120",
                            "\"rss_first_bytes\": 115343360, \"rss_last_bytes\": 125829120",
                            "{\"at_seconds\": 3.0, \"failed\": true}"})
    EXPECT_NE(json.find(piece), std::string::npos) << piece << "\n" << json;
  EXPECT_EQ(monitor_text(RunResult{}), "");
}

TEST(LoadgenMonitor, MergeKeepsTheTargetsSamples) {
  RunResult a = monitored_run(), b = monitored_run();
  b.monitor.reset();
  for (RunResult* r : {&a, &b}) {
    r->stages[0].latency.record(100);
    for (IntervalResult& i : r->intervals)
      i.histogram = metrics::hdr_encode_base64(r->stages[0].latency);
  }
  std::vector<RunResult> reports;
  ASSERT_EQ(read_reports(json_report(b, Verdict{}) + json_report(a, Verdict{}), reports), "");
  MergeOutcome outcome = merge_reports(std::move(reports));
  ASSERT_TRUE(outcome.merged) << ::testing::PrintToString(outcome.errors);
  ASSERT_TRUE(outcome.merged->monitor);
  EXPECT_EQ(outcome.merged->monitor->source, "pid 7");
  EXPECT_EQ(outcome.merged->monitor->samples.size(), 4u);
  EXPECT_EQ(outcome.merged->monitor->samples[1].resident_bytes, 110u << 20);
  EXPECT_FALSE(outcome.merged->monitor->samples[3].ok);
}

}  // namespace
}  // namespace faultline::loadgen
