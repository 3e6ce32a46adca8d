// The reports: the documented JSON keys, the wrk2-style percentile table, the soak drift line,
// the request bytes and the generator's Prometheus families.
#include <gtest/gtest.h>

#include "loadgen/bench_metrics.hpp"
#include "loadgen/report.hpp"
#include "loadgen/request_mix.hpp"

namespace faultline::loadgen {
namespace {

RunResult sample_run() {
  RunResult r;
  r.url = "http://127.0.0.1:9000/";
  r.model = LoadModel::open;
  r.connections = 64;
  r.threads = 2;
  r.seconds = 30;
  StageResult stage;
  stage.name = "1";
  stage.load = "400/s";
  stage.seconds = 30;
  stage.tally.requests = 12000;
  stage.tally.errors_of(ErrorKind::status_5xx) = 12;
  for (int i = 0; i < 12000; ++i) stage.latency.record(10'000 + static_cast<std::uint64_t>(i));
  r.stages.push_back(stage);
  r.total = stage.tally;
  r.latency = stage.latency;
  r.intervals.push_back(IntervalResult{0, 10, 4000, 0, 0, 0.01, 0.012, 12000, ""});
  r.intervals.push_back(IntervalResult{10, 10, 4000, 12, 0, 0.01, 0.024, 24000, ""});
  return r;
}

TEST(LoadgenReport, JsonHasTheSpecKeys) {
  const std::string json = json_report(sample_run(), Verdict{});
  for (const char* key :
       {"\"requests\": 12000", "\"errors\": 12", "\"duration_seconds\": 30.0", "\"rps\": 400.0",
        "\"latency_seconds\": {\"mean\": ", "\"p50\": ", "\"p95\": ", "\"p99\": ", "\"p999\": ",
        "\"max\": ", "\"stages\": [{\"name\": \"1\"", "\"intervals\": [",
        "\"drift\": ", "\"passed\": true"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  }
  EXPECT_EQ(json.find("\"stress\""), std::string::npos);  // only in stress runs
}

TEST(LoadgenReport, TextHasPercentileTableErrorsAndDrift) {
  Verdict verdict;
  Threshold t;
  parse_threshold("p99<5ms", t);
  verdict.thresholds = evaluate_thresholds({t}, threshold_inputs(sample_run()));
  const std::string text = text_report(sample_run(), verdict);
  for (const char* piece : {"50.000%", "99.900%", "100.000%", "12000 requests in 30.00s, 12 errors",
                            "status_5xx 12", "Requests/sec:     400.00",
                            "drift (first vs last interval): p99 12.00ms -> 24.00ms (+100%)",
                            "Threshold p99<5ms", "FAILED"}) {
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  }
}

TEST(LoadgenReport, StressOutcomeInBothReports) {
  RunResult r = sample_run();
  r.stress.emplace();
  r.stress->last_good = StressOutcome::Step{80, 0.102, 0};
  r.stress->broke_at = StressOutcome::Step{160, 1.86, 0};
  r.stress->reason = "p95 1.86s > 500.00ms";
  const std::string json = json_report(r, Verdict{});
  EXPECT_NE(json.find("\"stress\": {\"last_good\": {\"rate\": 80.0, \"p95_seconds\": 0.102"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"broke_at\": {\"rate\": 160.0, \"reason\": \"p95 1.86s > 500.00ms\""),
            std::string::npos)
      << json;
  const std::string text = text_report(r, Verdict{});
  EXPECT_NE(text.find("Stress: last good step 80/s (p95 102.00ms, errors 0.00%)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Stress: broke at 160/s: p95 1.86s > 500.00ms"), std::string::npos) << text;
}

TEST(LoadgenReport, ProgressLineShowsRateErrorsAndP99) {
  EXPECT_EQ(progress_line(3.0, 10.0, 400.1, 1200, 12, 0.00121),
            "[   3.0s/10.0s]     400.1 req/s  errors 12 (1.00%)  p99 1.21ms");
}

TEST(LoadgenReport, RequestBytesAreSerializedOnceWithHostAndLength) {
  TargetUrl target;
  ASSERT_EQ(parse_target_url("http://127.0.0.1:9000/base", target), "");
  RequestTemplate post;
  post.method = "POST";
  post.path = "/items";
  post.body = "{}";
  post.headers = {{"X-Tenant", "a"}};
  EXPECT_EQ(serialize_request(target, post),
            "POST /items HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUser-Agent: faultline-bench\r\n"
            "Content-Length: 2\r\nX-Tenant: a\r\n\r\n{}");
}

TEST(LoadgenReport, WeightedMixFollowsTheWeights) {
  TargetUrl target;
  parse_target_url("http://h/", target);
  RequestTemplate a, b;
  a.path = "/a";
  a.weight = 3;
  b.path = "/b";
  b.weight = 1;
  const RequestMix mix(target, {a, b});
  std::uint64_t state = 42;
  int count_a = 0;
  for (int i = 0; i < 40000; ++i) count_a += mix.pick(state).wire.starts_with("GET /a ") ? 1 : 0;
  EXPECT_NEAR(count_a / 40000.0, 0.75, 0.01);
}

TEST(LoadgenReport, TargetUrlForms) {
  TargetUrl t;
  ASSERT_EQ(parse_target_url("http://[::1]:8080", t), "");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.path, "/");
  EXPECT_EQ(t.host_header, "[::1]:8080");
  ASSERT_EQ(parse_target_url("http://example.com?q=1", t), "");
  EXPECT_EQ(t.path, "/?q=1");
  EXPECT_EQ(t.host_header, "example.com");
  EXPECT_NE(parse_target_url("http://h:0/", t), "");
  EXPECT_NE(parse_target_url("example.com", t), "");
}

TEST(LoadgenReport, MetricsExpositionHasClientSideFamilies) {
  LiveCounters live(2);
  live.requests.add(0, 5);
  live.errors_by_kind[static_cast<std::size_t>(ErrorKind::timeout)].add(1, 2);
  live.latency.record(0, 1500);
  const std::string text = bench_metrics_text(live, 1);
  for (const char* piece :
       {"faultline_bench_requests_total 5", "faultline_bench_errors_total{kind=\"timeout\"} 2",
        "faultline_bench_request_duration_seconds_bucket{le=\"0.0025\"} 1",
        "faultline_bench_stage 1", "faultline_bench_inflight_requests 0"}) {
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  }
}

}  // namespace
}  // namespace faultline::loadgen
