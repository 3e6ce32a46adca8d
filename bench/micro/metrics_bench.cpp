// Recording and scrape costs of metrics/ (issue 4: ≤ 25 ns per record, no slowdown with
// two threads recording at once; scrape time with 100 routes).
//
//   build/bench/micro/faultline_metrics_bench
//
// Read the CPU column. For /threads:2 Google Benchmark divides the CPU time of all
// threads by the iterations of all threads, so it is still the cost of one record on one
// thread: with per-worker stripes it should not grow from 1 to 2 threads. (The Time
// column of a threaded run is wall time over all threads' iterations, a throughput.)
// The *FetchAdd and PrometheusCpp* variants are the alternatives the design avoids,
// measured for contrast.
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "metrics/hdr_histogram.hpp"
#include "metrics/proxy_metrics.hpp"
#include "metrics/route_metrics.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/striped_histogram.hpp"

namespace {

using namespace faultline::metrics;
using namespace std::chrono_literals;

constexpr std::size_t kSamples = 4096;  // power of two: index with a mask

// Latencies (µs) from a lognormal around 20 ms, precomputed so the RNG is not measured.
const std::array<std::uint64_t, kSamples>& latency_samples() {
  static const auto samples = [] {
    std::array<std::uint64_t, kSamples> out{};
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(20'000.0), 0.8);
    for (auto& v : out) v = static_cast<std::uint64_t>(dist(rng));
    return out;
  }();
  return samples;
}

void BM_HdrHistogramRecord(benchmark::State& state) {
  HdrHistogram histogram;
  const auto& samples = latency_samples();
  std::size_t i = 0;
  for (auto _ : state) {
    histogram.record(samples[i++ & (kSamples - 1)]);
  }
  benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_HdrHistogramRecord);

void BM_StripedHistogramRecord(benchmark::State& state) {
  static StripedHistogram histogram(2);
  const auto& samples = latency_samples();
  const auto stripe = static_cast<std::size_t>(state.thread_index());
  std::size_t i = stripe * 1000;
  for (auto _ : state) {
    histogram.record(stripe, samples[i++ & (kSamples - 1)]);
  }
}
BENCHMARK(BM_StripedHistogramRecord)->Threads(1)->Threads(2);

// A whole request: requests_total + request and upstream duration histograms.
void BM_RouteRecordRequest(benchmark::State& state) {
  static RouteMetrics route("api", 2);
  const auto& samples = latency_samples();
  const auto worker = static_cast<std::size_t>(state.thread_index());
  std::size_t i = worker * 1000;
  for (auto _ : state) {
    const auto upstream = std::chrono::microseconds(samples[i++ & (kSamples - 1)]);
    route.record_request(worker, Method::get, 200, Outcome::ok, upstream + 150us, upstream);
  }
}
BENCHMARK(BM_RouteRecordRequest)->Threads(1)->Threads(2);

// Counters: per-worker single-writer stripes (what metrics/ does) ...
void BM_CounterStriped(benchmark::State& state) {
  static StripedCounter counter(2);
  const auto stripe = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) counter.add(stripe);
}
BENCHMARK(BM_CounterStriped)->Threads(1)->Threads(2);

// ... against one relaxed atomic shared by all threads.
void BM_CounterSharedFetchAdd(benchmark::State& state) {
  static std::atomic<std::uint64_t> counter{0};
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
}
BENCHMARK(BM_CounterSharedFetchAdd)->Threads(1)->Threads(2);

// ... and against per-thread cells incremented with fetch_add (a locked instruction).
void BM_CounterStripedFetchAdd(benchmark::State& state) {
  struct alignas(64) Cell {
    std::atomic<std::uint64_t> value{0};
  };
  static std::array<Cell, 2> cells;
  auto& cell = cells[static_cast<std::size_t>(state.thread_index())].value;
  for (auto _ : state) cell.fetch_add(1, std::memory_order_relaxed);
}
BENCHMARK(BM_CounterStripedFetchAdd)->Threads(1)->Threads(2);

// prometheus-cpp's own Histogram::Observe (a mutex per observation), for contrast.
void BM_PrometheusCppHistogramObserve(benchmark::State& state) {
  static auto registry = std::make_shared<prometheus::Registry>();
  static auto& histogram = prometheus::BuildHistogram()
                               .Name("bench_seconds")
                               .Help("bench")
                               .Register(*registry)
                               .Add({}, prometheus::Histogram::BucketBoundaries{
                                            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
                                            0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60});
  const auto& samples = latency_samples();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 1000;
  for (auto _ : state) {
    histogram.Observe(static_cast<double>(samples[i++ & (kSamples - 1)]) / 1e6);
  }
}
BENCHMARK(BM_PrometheusCppHistogramObserve)->Threads(1)->Threads(2);

// 100 routes that have all seen traffic (20 000 requests each, lognormal around 20 ms,
// four status codes, three methods), spread over `workers` stripes.
std::unique_ptr<ProxyMetrics> hundred_busy_routes(std::size_t workers) {
  MetricsOptions options;
  options.workers = workers;
  options.version = "bench";
  auto metrics = std::make_unique<ProxyMetrics>(options);
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(20'000.0), 0.8);
  const std::array<unsigned, 4> codes = {200, 404, 502, 503};
  const std::array<Method, 3> methods = {Method::get, Method::post, Method::put};
  for (int r = 0; r < 100; ++r) {
    RouteMetrics& route = metrics->route("route_" + std::to_string(r));
    for (int n = 0; n < 20'000; ++n) {
      const auto upstream = std::chrono::microseconds(static_cast<std::int64_t>(latency(rng)));
      const auto worker = static_cast<std::size_t>(n) % workers;
      const unsigned code = codes[static_cast<std::size_t>(n) % codes.size()];
      route.record_request(worker, methods[static_cast<std::size_t>(n) % methods.size()], code,
                           code == 200 ? Outcome::ok : Outcome::upstream_error, upstream + 50us,
                           upstream);
    }
    metrics->faults_injected(route.name(), "flaky", "slow", "delay").add(0, 10);
  }
  metrics->set_active_profile("flaky");
  return metrics;
}

// GET /metrics: Collect (merging every worker's stripes, window update, /proc read) and
// TextSerializer.
void BM_Scrape100Routes(benchmark::State& state) {
  const auto metrics = hundred_busy_routes(static_cast<std::size_t>(state.range(0)));
  auto now = std::chrono::steady_clock::time_point{} + 1000s;
  std::size_t bytes = 0;
  for (auto _ : state) {
    now += 1s;
    const std::string text = metrics->exposition(now);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["exposition_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Scrape100Routes)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond);

// The parts of a scrape: Collect alone ...
void BM_Collect100Routes(benchmark::State& state) {
  const auto metrics = hundred_busy_routes(static_cast<std::size_t>(state.range(0)));
  auto now = std::chrono::steady_clock::time_point{} + 1000s;
  for (auto _ : state) {
    now += 1s;
    benchmark::DoNotOptimize(metrics->collect(now));
  }
}
BENCHMARK(BM_Collect100Routes)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond);

// ... and merging one route's request-duration stripes.
void BM_SnapshotOneRoute(benchmark::State& state) {
  const auto metrics = hundred_busy_routes(static_cast<std::size_t>(state.range(0)));
  RouteMetrics& route = metrics->route("route_0");
  HdrHistogram scratch;
  for (auto _ : state) {
    route.request_duration_into(scratch);
    benchmark::DoNotOptimize(scratch.count());
  }
}
BENCHMARK(BM_SnapshotOneRoute)->Arg(2)->Arg(8)->Unit(benchmark::kMicrosecond);

}  // namespace
