// GET /metrics as a user's Prometheus sees it: the documented names, types and labels, counters
// that add up exactly, the window summary, and (when installed) promtool's verdict.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "metrics/labels.hpp"
#include "metrics/proxy_metrics.hpp"

namespace faultline::metrics {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + 10'000s;

// Latencies come back as their HDR bucket's midpoint: within 0.1 %.
void expect_latency(double measured, double expected) {
  EXPECT_NEAR(measured, expected, expected * 0.001);
}

// Sample lines of the exposition: `name{labels}` → value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double sum_of(const std::map<std::string, double>& all, const std::string& prefix) {
  double total = 0;
  for (const auto& [key, value] : all) {
    if (key.rfind(prefix, 0) == 0) total += value;
  }
  return total;
}

MetricsOptions test_options(std::size_t workers = 2) {
  MetricsOptions options;
  options.workers = workers;
  options.version = "1.2.3";
  options.clock = [] { return kNow; };
  return options;
}

ProxyMetrics& with_traffic(ProxyMetrics& metrics) {
  RouteMetrics& api = metrics.route("api");
  api.record_request(0, Method::get, 200, Outcome::ok, 25ms, 20ms);
  api.record_request(1, Method::get, 200, Outcome::ok, 35ms, 30ms);
  api.record_request(1, Method::post, 503, Outcome::injected, 1ms, std::nullopt);
  api.record_request(0, Method::get, 502, Outcome::upstream_error, 2ms, std::nullopt);
  api.record_upstream_error(0, UpstreamErrorReason::connect);
  api.inflight_add(1, +1);
  metrics.faults_injected("api", "flaky", "abort-503", "abort").add(1);
  metrics.set_active_profile("flaky");
  metrics.record_config_reload(true);
  metrics.connections_add(0, Side::client, +3);
  metrics.connections_add(1, Side::upstream, +2);
  metrics.network_bytes_add(0, Side::client, Direction::in, 1000);
  metrics.network_bytes_add(1, Side::upstream, Direction::out, 250);
  return metrics;
}

TEST(MetricsExposition, HasEverySpecFamilyWithItsType) {
  ProxyMetrics metrics(test_options());
  const std::string text = with_traffic(metrics).exposition();
  for (const char* line : {
           "# TYPE faultline_requests_total counter",
           "# TYPE faultline_request_duration_seconds histogram",
           "# TYPE faultline_upstream_duration_seconds histogram",
           "# TYPE faultline_upstream_latency_seconds summary",
           "# TYPE faultline_faults_injected_total counter",
           "# TYPE faultline_upstream_errors_total counter",
           "# TYPE faultline_inflight_requests gauge",
           "# TYPE faultline_connections gauge",
           "# TYPE faultline_network_bytes_total counter",
           "# TYPE faultline_config_reloads_total counter",
           "# TYPE faultline_active_profile gauge",
           "# TYPE faultline_build_info gauge",
           "# TYPE process_cpu_seconds_total counter",
           "# TYPE process_resident_memory_bytes gauge",
           "# TYPE process_open_fds gauge",
           "# TYPE process_start_time_seconds gauge",
       }) {
    EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << text;
  }
}

TEST(MetricsExposition, SamplesCarryTheSpecLabels) {
  ProxyMetrics metrics(test_options());
  const auto all = samples(with_traffic(metrics).exposition());
  auto expect = [&](const std::string& key, double value) {
    const auto it = all.find(key);
    ASSERT_NE(it, all.end()) << key;
    EXPECT_DOUBLE_EQ(it->second, value) << key;
  };
  expect(R"(faultline_requests_total{route="api",method="GET",code="200",outcome="ok"})", 2);
  expect(R"(faultline_requests_total{route="api",method="POST",code="503",outcome="injected"})", 1);
  expect(
      R"(faultline_requests_total{route="api",method="GET",code="502",outcome="upstream_error"})",
      1);
  expect(R"(faultline_request_duration_seconds_bucket{route="api",le="0.025"})", 3);
  expect(R"(faultline_request_duration_seconds_bucket{route="api",le="0.05"})", 4);
  expect(R"(faultline_request_duration_seconds_bucket{route="api",le="+Inf"})", 4);
  expect(R"(faultline_request_duration_seconds_count{route="api"})", 4);
  expect(R"(faultline_request_duration_seconds_sum{route="api"})", 0.063);
  expect(R"(faultline_upstream_duration_seconds_bucket{route="api",le="0.025"})", 1);
  expect(R"(faultline_upstream_duration_seconds_count{route="api"})", 2);
  expect_latency(all.at(R"(faultline_upstream_latency_seconds{route="api",quantile="0.5"})"), 0.02);
  expect(R"(faultline_upstream_latency_seconds_count{route="api"})", 2);
  expect_latency(all.at(R"(faultline_upstream_latency_seconds{route="api",quantile="0.99"})"),
                 0.03);
  expect(
      R"(faultline_faults_injected_total{route="api",profile="flaky",rule="abort-503",kind="abort"})",
      1);
  expect(R"(faultline_upstream_errors_total{route="api",reason="connect"})", 1);
  expect(R"(faultline_upstream_errors_total{route="api",reason="timeout"})", 0);
  expect(R"(faultline_upstream_errors_total{route="api",reason="reset"})", 0);
  expect(R"(faultline_upstream_errors_total{route="api",reason="protocol"})", 0);
  expect(R"(faultline_inflight_requests{route="api"})", 1);
  expect(R"(faultline_connections{side="client"})", 3);
  expect(R"(faultline_connections{side="upstream"})", 2);
  expect(R"(faultline_network_bytes_total{side="client",direction="in"})", 1000);
  expect(R"(faultline_network_bytes_total{side="client",direction="out"})", 0);
  expect(R"(faultline_network_bytes_total{side="upstream",direction="out"})", 250);
  expect(R"(faultline_config_reloads_total{result="success"})", 1);
  expect(R"(faultline_config_reloads_total{result="failure"})", 0);
  expect(R"(faultline_active_profile{profile="flaky"})", 1);
  expect(R"(faultline_build_info{version="1.2.3"})", 1);
  EXPECT_GT(all.at("process_resident_memory_bytes"), 0);
  EXPECT_GE(all.at("process_open_fds"), 3);
}

// Beyond the contract's families: access log lines lost to a full disk (or a closed pipe).
TEST(MetricsExposition, CountsAccessLogLinesThatCouldNotBeWritten) {
  ProxyMetrics metrics(test_options());
  EXPECT_DOUBLE_EQ(samples(metrics.exposition()).at("faultline_access_log_errors_total"), 0);
  metrics.record_access_log_error();
  metrics.record_access_log_error();
  const std::string text = metrics.exposition();
  EXPECT_NE(text.find("# TYPE faultline_access_log_errors_total counter\n"), std::string::npos);
  EXPECT_DOUBLE_EQ(samples(text).at("faultline_access_log_errors_total"), 2);
}

// The issue's accounting test: after N requests of known kinds from several workers at
// once, faultline_requests_total sums to exactly N, and each outcome and the injected
// counter match what was sent.
TEST(MetricsExposition, RequestsTotalSumsToExactlyTheRequestsMade) {
  constexpr int kWorkers = 4;
  constexpr int kPerWorker = 25'000;
  ProxyMetrics metrics(test_options(kWorkers));
  const std::vector<RouteMetrics*> routes = metrics.routes({"api", "static", "slow"});
  StripedCounter& injected = metrics.faults_injected("api", "flaky", "abort", "abort");

  std::vector<std::thread> workers;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) metrics.exposition();  // scrapes while workers record
  });
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kPerWorker; ++i) {
        RouteMetrics& route = *routes[static_cast<std::size_t>(i % 3)];
        const auto worker = static_cast<std::size_t>(w);
        switch (i % 4) {
          case 0:
          case 1:
            route.record_request(worker, Method::get, 200, Outcome::ok, 3ms, 2ms);
            break;
          case 2:
            route.record_request(worker, Method::put, 504, Outcome::timeout, 30s, std::nullopt);
            break;
          case 3:
            if (route.name() == "api") injected.add(worker);
            route.record_request(worker, Method::get, 503, Outcome::injected, 1ms, std::nullopt);
            break;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  done = true;
  scraper.join();

  const auto all = samples(metrics.exposition());
  constexpr double kTotal = kWorkers * kPerWorker;
  EXPECT_EQ(sum_of(all, "faultline_requests_total{"), kTotal);
  double ok = 0, timeout = 0, injected_outcome = 0;
  for (const auto& [key, value] : all) {
    if (key.rfind("faultline_requests_total{", 0) != 0) continue;
    if (key.find(R"(outcome="ok")") != std::string::npos) ok += value;
    if (key.find(R"(outcome="timeout")") != std::string::npos) timeout += value;
    if (key.find(R"(outcome="injected")") != std::string::npos) injected_outcome += value;
  }
  EXPECT_EQ(ok, kTotal / 2);
  EXPECT_EQ(timeout, kTotal / 4);
  EXPECT_EQ(injected_outcome, kTotal / 4);
  // i % 4 == 3 and i % 3 == 0: i ≡ 3 (mod 12).
  EXPECT_EQ(sum_of(all, "faultline_faults_injected_total{"),
            kWorkers * ((kPerWorker - 3 + 11) / 12));
  EXPECT_EQ(sum_of(all, "faultline_request_duration_seconds_count{"), kTotal);
  EXPECT_EQ(sum_of(all, "faultline_upstream_duration_seconds_count{"), kTotal / 2);
  EXPECT_EQ(metrics.stats(kNow)[0].requests,
            static_cast<std::uint64_t>(kWorkers * ((kPerWorker + 2) / 3)));
}

TEST(MetricsExposition, ARouteKeptByAReloadKeepsItsCounters) {
  ProxyMetrics metrics(test_options());
  RouteMetrics* before = metrics.routes({"api", "old"})[0];
  before->record_request(0, Method::get, 200, Outcome::ok, 1ms, 1ms);
  const auto after = metrics.routes({"new", "api"});
  EXPECT_EQ(after[1], before);
  EXPECT_EQ(after[1]->requests_total(), 1u);
  const auto all = samples(metrics.exposition());
  EXPECT_EQ(all.count(R"(faultline_inflight_requests{route="old"})"), 1u);
  EXPECT_EQ(all.count(R"(faultline_inflight_requests{route="new"})"), 1u);
}

TEST(MetricsExposition, UpstreamSummaryCoversTheWindowAndSumAndCountSinceStart) {
  ProxyMetrics metrics(test_options());
  RouteMetrics& api = metrics.route("api");
  for (int i = 0; i < 100; ++i) api.record_request(0, Method::get, 200, Outcome::ok, 21ms, 20ms);
  auto all = samples(metrics.exposition(kNow));
  expect_latency(all.at(R"(faultline_upstream_latency_seconds{route="api",quantile="0.5"})"), 0.02);

  // Two minutes later with no traffic the window is empty (NaN), the totals are not.
  all = samples(metrics.exposition(kNow + 120s));
  EXPECT_TRUE(
      std::isnan(all.at(R"(faultline_upstream_latency_seconds{route="api",quantile="0.5"})")));
  EXPECT_EQ(all.at(R"(faultline_upstream_latency_seconds_count{route="api"})"), 100);
  EXPECT_DOUBLE_EQ(all.at(R"(faultline_upstream_latency_seconds_sum{route="api"})"), 2.0);

  // New, slower traffic is all the window shows.
  for (int i = 0; i < 10; ++i) api.record_request(1, Method::get, 200, Outcome::ok, 81ms, 80ms);
  metrics.advance_windows(kNow + 121s);
  all = samples(metrics.exposition(kNow + 125s));
  expect_latency(all.at(R"(faultline_upstream_latency_seconds{route="api",quantile="0.5"})"), 0.08);
}

TEST(MetricsExposition, StatsGiveEachRoutesCountsAndPercentiles) {
  ProxyMetrics metrics(test_options());
  with_traffic(metrics);
  const auto stats = metrics.stats(kNow);
  ASSERT_EQ(stats.size(), 1u);
  const RouteStats& api = stats[0];
  EXPECT_EQ(api.route, "api");
  EXPECT_EQ(api.requests, 4u);
  EXPECT_EQ(api.requests_by_outcome[static_cast<std::size_t>(Outcome::ok)], 2u);
  EXPECT_EQ(api.requests_by_outcome[static_cast<std::size_t>(Outcome::injected)], 1u);
  EXPECT_EQ(api.upstream_errors[static_cast<std::size_t>(UpstreamErrorReason::connect)], 1u);
  EXPECT_EQ(api.inflight, 1);
  EXPECT_EQ(api.request_duration.count, 4u);
  EXPECT_DOUBLE_EQ(api.request_duration.max, 0.035);
  expect_latency(api.upstream_duration.p50, 0.02);
  EXPECT_EQ(api.upstream_window.count, 2u);
  expect_latency(api.upstream_window.p999, 0.03);
}

std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = std::filesystem::path(dir) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

TEST(MetricsExposition, PromtoolCheckMetricsFindsNoProblem) {
  const std::string promtool = find_promtool();
  if (promtool.empty()) {
    GTEST_SKIP() << "promtool not found on PATH: install the Debian package `prometheus` "
                    "(apt-get install prometheus) to run this check";
  }
  ProxyMetrics metrics(test_options());
  with_traffic(metrics);
  metrics.route("idle");  // a route without traffic: NaN quantiles, zero buckets
  const auto file = std::filesystem::temp_directory_path() /
                    ("faultline_metrics_" + std::to_string(::getpid()) + ".prom");
  std::ofstream(file) << metrics.exposition();
  const std::string command = promtool + " check metrics < " + file.string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace faultline::metrics
