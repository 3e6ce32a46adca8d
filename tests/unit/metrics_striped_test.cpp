// Per-worker recording: stripes merge into exact totals, and a scrape running while two
// workers record sees only whole, growing values — and everything once they stop.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "metrics/labels.hpp"
#include "metrics/request_counters.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/striped_histogram.hpp"

namespace faultline::metrics {
namespace {

TEST(MetricsStripedHistogram, SnapshotMergesEveryStripe) {
  StripedHistogram striped(3);
  striped.record(0, 100);
  striped.record(1, 2'000'000);
  striped.record(2, 5);
  striped.record(2, hdr::kMaxValue + 7);
  const HdrHistogram snapshot = striped.snapshot();
  EXPECT_EQ(snapshot.count(), 4u);
  EXPECT_EQ(snapshot.min(), 5u);
  EXPECT_EQ(snapshot.max(), hdr::kMaxValue);
  EXPECT_EQ(snapshot.clamped_count(), 1u);
  EXPECT_EQ(snapshot.sum(), 100u + 2'000'000u + 5u + hdr::kMaxValue);
  EXPECT_EQ(snapshot.quantile(0.5), 100u);
}

TEST(MetricsStripedHistogram, EmptySnapshotIsEmpty) {
  StripedHistogram striped(2);
  const HdrHistogram snapshot = striped.snapshot();
  EXPECT_EQ(snapshot.count(), 0u);
  EXPECT_EQ(snapshot.min(), 0u);
  EXPECT_EQ(snapshot.max(), 0u);
}

TEST(MetricsStripedHistogram, SnapshotIntoReplacesThePreviousContents) {
  StripedHistogram striped(1);
  HdrHistogram out;
  out.record(123'456);
  striped.record(0, 10);
  striped.snapshot_into(out);
  EXPECT_EQ(out.count(), 1u);
  EXPECT_EQ(out.max(), 10u);
}

// Two workers record a million values each while a third thread snapshots in a loop:
// every snapshot is consistent and no smaller than the previous one, and the final one
// has every value.
TEST(MetricsStripedHistogram, ConcurrentRecordingWhileSnapshottingAddsUpExactly) {
  constexpr std::uint64_t kPerWorker = 1'000'000;
  StripedHistogram histogram(2);
  StripedCounter counter(2);
  RequestCounters requests(2);
  std::atomic<int> running{2};

  auto worker = [&](std::size_t w) {
    for (std::uint64_t i = 0; i < kPerWorker; ++i) {
      histogram.record(w, 1 + (i * 7919) % 5'000'000);
      counter.add(w);
      requests.add(w, w == 0 ? Method::get : Method::post, i % 2 == 0 ? 200 : 503,
                   i % 2 == 0 ? Outcome::ok : Outcome::upstream_error);
    }
    running.fetch_sub(1);
  };
  std::uint64_t snapshots = 0;
  std::uint64_t previous_count = 0;
  std::uint64_t previous_counter = 0;
  bool consistent = true;
  std::thread scraper([&] {
    HdrHistogram snapshot;
    while (running.load() > 0) {
      histogram.snapshot_into(snapshot);
      std::uint64_t bucket_total = 0;
      snapshot.for_each_bucket([&](const HdrBucket& b) { bucket_total += b.count; });
      const std::uint64_t c = counter.value();
      consistent = consistent && bucket_total == snapshot.count() &&
                   snapshot.count() >= previous_count && snapshot.count() <= 2 * kPerWorker &&
                   c >= previous_counter && requests.total() <= 2 * kPerWorker &&
                   (snapshot.count() == 0 || snapshot.min() <= snapshot.max());
      previous_count = snapshot.count();
      previous_counter = c;
      ++snapshots;
    }
  });
  std::thread w0(worker, 0);
  std::thread w1(worker, 1);
  w0.join();
  w1.join();
  scraper.join();

  EXPECT_TRUE(consistent);
  EXPECT_GT(snapshots, 0u);
  const HdrHistogram final_snapshot = histogram.snapshot();
  EXPECT_EQ(final_snapshot.count(), 2 * kPerWorker);
  std::uint64_t expected_sum = 0;
  for (std::uint64_t i = 0; i < kPerWorker; ++i) expected_sum += 1 + (i * 7919) % 5'000'000;
  EXPECT_EQ(final_snapshot.sum(), 2 * expected_sum);
  EXPECT_EQ(counter.value(), 2 * kPerWorker);
  EXPECT_EQ(requests.total(), 2 * kPerWorker);
}

TEST(MetricsStripedCounter, ValueSumsEveryStripe) {
  StripedCounter counter(4);
  counter.add(0);
  counter.add(3, 41);
  EXPECT_EQ(counter.value(), 42u);
}

TEST(MetricsStripedGauge, IncrementsAndDecrementsMayComeFromDifferentWorkers) {
  StripedGauge gauge(2);
  gauge.add(0, +1);
  gauge.add(0, +1);
  gauge.add(1, -1);
  EXPECT_EQ(gauge.value(), 1);
}

TEST(MetricsRequestCounters, CountsEachMethodCodeAndOutcomeCombination) {
  RequestCounters requests(2);
  requests.add(0, Method::get, 200, Outcome::ok);
  requests.add(1, Method::get, 200, Outcome::ok);
  requests.add(1, Method::delete_, 504, Outcome::timeout);
  requests.add(0, Method::other, 503, Outcome::injected);
  requests.add(0, Method::post, 42, Outcome::upstream_error);  // no valid status: code 0
  const auto counts = requests.snapshot();
  ASSERT_EQ(counts.size(), 4u);
  EXPECT_EQ(counts[0].method, Method::get);
  EXPECT_EQ(counts[0].status_slot, 200u);
  EXPECT_EQ(counts[0].outcome, Outcome::ok);
  EXPECT_EQ(counts[0].count, 2u);
  EXPECT_EQ(counts[1].method, Method::post);
  EXPECT_EQ(counts[1].status_slot, 0u);
  EXPECT_EQ(counts[2].method, Method::delete_);
  EXPECT_EQ(counts[2].outcome, Outcome::timeout);
  EXPECT_EQ(counts[3].method, Method::other);
  EXPECT_EQ(requests.total(), 5u);
}

TEST(MetricsLabels, MethodsMapToTheFixedTableAndTheRestToOther) {
  EXPECT_EQ(method_from_string("GET"), Method::get);
  EXPECT_EQ(method_from_string("OPTIONS"), Method::options);
  EXPECT_EQ(method_from_string("get"), Method::other);  // methods are case-sensitive
  EXPECT_EQ(method_from_string("PROPFIND"), Method::other);
  EXPECT_EQ(to_string(Method::delete_), "DELETE");
  EXPECT_EQ(status_label(status_slot(404)), "404");
  EXPECT_EQ(status_label(status_slot(999)), "0");
}

}  // namespace
}  // namespace faultline::metrics
