// `bench merge`: a report read back is the run it describes, and merged reports are added
// exactly: counts and errors summed, percentiles from the added histograms (never averaged),
// and reports that cannot be added are refused with the reason.
#include <random>

#include <gtest/gtest.h>

#include "loadgen/report.hpp"
#include "loadgen/report_merge.hpp"
#include "loadgen/report_reader.hpp"
#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {
namespace {

// One shard's run: `requests` latencies from a lognormal around `median_us`, half in each of
// two stages and two intervals, a few 5xx errors.
RunResult shard_run(unsigned index, unsigned count, std::uint64_t requests, double median_us,
                    std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency(std::log(median_us), 0.6);
  RunResult r;
  r.url = "http://127.0.0.1:9000/";
  r.model = LoadModel::open;
  r.connections = 16;
  r.threads = 1;
  r.seconds = 2;
  r.start_unix_seconds = 1767225600;
  r.shard = Shard{index, count};
  for (int s = 0; s < 2; ++s) {
    StageResult stage;
    stage.name = std::to_string(s + 1);
    stage.load = "1000/s";
    stage.seconds = 1;
    IntervalResult interval{static_cast<double>(s), 1, requests / 2, 3, 0, 0, 0, 0, ""};
    metrics::HdrHistogram h;
    for (std::uint64_t i = 0; i < requests / 2; ++i)
      h.record(static_cast<std::uint64_t>(latency(rng)));
    stage.tally.requests = requests / 2;
    stage.tally.errors_of(ErrorKind::status_5xx) = 3;
    stage.latency = h;
    interval.max_us = h.max();
    interval.p50 = static_cast<double>(h.quantile(0.5)) / 1e6;
    interval.p99 = static_cast<double>(h.quantile(0.99)) / 1e6;
    interval.histogram = metrics::hdr_encode_base64(h);
    r.stages.push_back(stage);
    r.intervals.push_back(interval);
    r.total.merge(stage.tally);
    r.latency.merge(h);
  }
  r.total.late = 2;
  return r;
}

RunResult round_trip(const RunResult& r) {
  RunResult back;
  const std::string error = read_report(json_report(r, Verdict{}), back);
  EXPECT_EQ(error, "");
  return back;
}

TEST(LoadgenMerge, AReportReadBackIsTheRunItDescribes) {
  const RunResult run = shard_run(1, 4, 2000, 800, 1);
  const RunResult back = round_trip(run);
  EXPECT_EQ(back.total.requests, run.total.requests);
  EXPECT_EQ(back.total.errors_by_kind, run.total.errors_by_kind);
  EXPECT_EQ(back.total.late, 2u);
  EXPECT_EQ(back.latency.count(), run.latency.count());
  EXPECT_EQ(back.latency.min(), run.latency.min());
  EXPECT_EQ(back.latency.max(), run.latency.max());
  EXPECT_NEAR(back.latency.mean(), run.latency.mean(), 1e-3);
  for (double q : {0.5, 0.9, 0.99, 0.999})
    EXPECT_EQ(back.latency.quantile(q), run.latency.quantile(q));
  ASSERT_EQ(back.stages.size(), 2u);
  EXPECT_EQ(back.stages[1].latency.quantile(0.99), run.stages[1].latency.quantile(0.99));
  ASSERT_EQ(back.intervals.size(), 2u);
  EXPECT_EQ(back.intervals[1].histogram, run.intervals[1].histogram);
  EXPECT_EQ(back.intervals[1].max_us, run.intervals[1].max_us);
  ASSERT_TRUE(back.shard);
  EXPECT_EQ(back.shard->index, 1u);
  EXPECT_EQ(back.start_unix_seconds, 1767225600.0);
  // The merged form of a merged report survives too.
  EXPECT_EQ(json_report(back, Verdict{}), json_report(run, Verdict{}));
}

TEST(LoadgenMerge, ShardsAddExactlyAndPercentilesComeFromTheAddedHistogram) {
  // Two shards with very different latencies: the merged P99 is the P99 of all values,
  // which is not the average of the two P99s.
  const RunResult fast = shard_run(0, 2, 4000, 500, 1);
  const RunResult slow = shard_run(1, 2, 4000, 20'000, 2);
  MergeOutcome outcome = merge_reports({round_trip(fast), round_trip(slow)});
  ASSERT_TRUE(outcome.merged) << ::testing::PrintToString(outcome.errors);
  EXPECT_TRUE(outcome.warnings.empty()) << ::testing::PrintToString(outcome.warnings);
  const RunResult& m = *outcome.merged;

  metrics::HdrHistogram all = fast.latency;
  all.merge(slow.latency);
  EXPECT_EQ(m.total.requests, 8000u);
  EXPECT_EQ(m.total.errors_of(ErrorKind::status_5xx), 12u);
  EXPECT_EQ(m.total.late, 4u);
  EXPECT_EQ(m.connections, 32u);
  EXPECT_EQ(m.latency.count(), all.count());
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(m.latency.quantile(q), all.quantile(q)) << q;
  EXPECT_EQ(m.latency.max(), all.max());
  EXPECT_EQ(m.latency.min(), all.min());
  const double averaged = (fast.latency.quantile(0.5) + slow.latency.quantile(0.5)) / 2.0;
  EXPECT_GT(std::abs(static_cast<double>(m.latency.quantile(0.5)) - averaged), 1000);

  ASSERT_EQ(m.stages.size(), 2u);
  EXPECT_EQ(m.stages[0].tally.requests, 4000u);
  metrics::HdrHistogram stage2 = fast.stages[1].latency;
  stage2.merge(slow.stages[1].latency);
  EXPECT_EQ(m.stages[1].latency.quantile(0.99), stage2.quantile(0.99));

  ASSERT_EQ(m.intervals.size(), 2u);
  EXPECT_EQ(m.intervals[1].requests, 4000u);
  EXPECT_EQ(m.intervals[1].errors, 6u);
  EXPECT_EQ(m.intervals[1].p99, static_cast<double>(stage2.quantile(0.99)) / 1e6);
  EXPECT_EQ(m.intervals[1].max_us, stage2.max());
  metrics::HdrHistogram decoded;
  ASSERT_EQ(metrics::hdr_decode_base64(m.intervals[1].histogram, decoded), "");
  EXPECT_EQ(decoded.count(), stage2.count());

  ASSERT_TRUE(m.merged);
  EXPECT_EQ(m.merged->reports, 2u);
  EXPECT_EQ(m.merged->shards, (std::vector<unsigned>{0, 1}));
  EXPECT_EQ(m.merged->shard_count, 2u);
  EXPECT_FALSE(m.shard);

  // Merging the merged report with nothing else gives it back unchanged.
  MergeOutcome again = merge_reports({round_trip(m)});
  ASSERT_TRUE(again.merged);
  EXPECT_EQ(json_report(*again.merged, Verdict{}), json_report(m, Verdict{}));
}

TEST(LoadgenMerge, RefusesToCountAShardTwiceOrMixRunsThatDoNotLineUp) {
  const RunResult a = shard_run(0, 2, 100, 500, 1);
  MergeOutcome twice = merge_reports({a, a});
  EXPECT_FALSE(twice.merged);
  EXPECT_NE(::testing::PrintToString(twice.errors).find("counted twice"), std::string::npos);

  RunResult other_split = shard_run(1, 3, 100, 500, 2);
  EXPECT_FALSE(merge_reports({a, other_split}).merged);

  RunResult renamed = shard_run(1, 2, 100, 500, 2);
  renamed.stages[1].name = "spike";
  MergeOutcome names = merge_reports({a, renamed});
  EXPECT_FALSE(names.merged);
  EXPECT_NE(::testing::PrintToString(names.errors).find("spike"), std::string::npos);

  RunResult shifted = shard_run(1, 2, 100, 500, 2);
  shifted.intervals[1].start_seconds = 0.5;
  EXPECT_FALSE(merge_reports({a, shifted}).merged);

  RunResult closed = shard_run(1, 2, 100, 500, 2);
  closed.model = LoadModel::closed;
  EXPECT_FALSE(merge_reports({a, closed}).merged);
}

TEST(LoadgenMerge, WarnsAboutMissingShardsAndRunsThatDidNotStartTogether) {
  RunResult b = shard_run(2, 4, 100, 500, 2);
  b.start_unix_seconds += 30;
  MergeOutcome outcome = merge_reports({shard_run(0, 4, 100, 500, 1), b});
  ASSERT_TRUE(outcome.merged);
  const std::string warnings = ::testing::PrintToString(outcome.warnings);
  EXPECT_NE(warnings.find("2 of 4 shards are missing"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("started 30s apart"), std::string::npos) << warnings;
}

TEST(LoadgenMerge, ReadsEveryJsonLineOfMixedOutputAndNamesBadOnes) {
  const std::string one = json_report(shard_run(0, 2, 100, 500, 1), Verdict{});
  const std::string two = json_report(shard_run(1, 2, 100, 500, 2), Verdict{});
  std::vector<RunResult> reports;
  ASSERT_EQ(read_reports("open model @ ...\n  Latency ...\n" + one + "some text\n" + two, reports),
            "");
  EXPECT_EQ(reports.size(), 2u);

  reports.clear();
  EXPECT_EQ(read_reports("text\n{\"url\": 1}\n", reports).substr(0, 7), "line 2:");
  EXPECT_NE(read_reports("no report here\n", reports).find("no report"), std::string::npos);
  EXPECT_NE(read_reports("{\"requests\": 5}", reports).find("url: missing"), std::string::npos);
  std::string old = one;
  old.replace(old.find("\"histogram\""), 11, "\"hist\"");
  EXPECT_NE(read_reports(old, reports).find("histogram"), std::string::npos);
}

}  // namespace
}  // namespace faultline::loadgen
