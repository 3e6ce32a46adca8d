// A worker's two records of the run (the period for the report, the live stripes for the
// progress line and --metrics-listen) must count every outcome the same way.
#include <gtest/gtest.h>

#include "loadgen/worker_recorder.hpp"

namespace faultline::loadgen {
namespace {

TEST(WorkerRecorder, CountsResponsesAndErrorsInBothViews) {
  LiveCounters live(2);
  WorkerRecorder recorder(live, 1);
  recorder.response(1500, 200);
  recorder.response(900, 404);
  recorder.response(2500, 503);
  recorder.error(ErrorKind::connect);
  recorder.error(ErrorKind::unsent, 7);
  recorder.late();

  const PeriodStats period = recorder.harvest();
  EXPECT_EQ(period.tally.requests, 11u);
  EXPECT_EQ(period.tally.status_4xx, 1u);
  EXPECT_EQ(period.tally.late, 1u);
  EXPECT_EQ(period.tally.errors_of(ErrorKind::status_5xx), 1u);
  EXPECT_EQ(period.tally.errors_of(ErrorKind::connect), 1u);
  EXPECT_EQ(period.tally.errors_of(ErrorKind::unsent), 7u);
  EXPECT_EQ(period.tally.errors(), 9u);
  EXPECT_EQ(period.latency.count(), 3u);  // every answered request, a 5xx included

  EXPECT_EQ(live.requests.value(), 11u);
  EXPECT_EQ(live.status_4xx.value(), 1u);
  EXPECT_EQ(live.late.value(), 1u);
  EXPECT_EQ(live.errors(), 9u);
}

TEST(WorkerRecorder, HarvestStartsANewPeriodButLiveCountersKeepTheRun) {
  LiveCounters live(1);
  WorkerRecorder recorder(live, 0);
  recorder.response(100, 200);
  EXPECT_EQ(recorder.harvest().tally.requests, 1u);
  recorder.response(100, 200);
  const PeriodStats second = recorder.harvest();
  EXPECT_EQ(second.tally.requests, 1u);
  EXPECT_EQ(second.latency.count(), 1u);
  EXPECT_EQ(live.requests.value(), 2u);
}

TEST(WorkerRecorder, InflightFollowsDeltas) {
  LiveCounters live(1);
  WorkerRecorder recorder(live, 0);
  recorder.inflight(+1);
  recorder.inflight(+1);
  recorder.inflight(-1);
  EXPECT_EQ(live.inflight.value(), 1);
}

}  // namespace
}  // namespace faultline::loadgen
