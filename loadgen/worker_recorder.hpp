// What one load worker records: every outcome goes to the worker's PeriodStats (handed to
// the coordinator at each harvest) and to the worker's stripe of LiveCounters (read at any
// time by the progress line and --metrics-listen). Keeping both in one place is what keeps
// the two views of the run equal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "loadgen/live_counters.hpp"
#include "loadgen/tally.hpp"
#include "metrics/hdr_histogram.hpp"

namespace faultline::loadgen {

// What happened since the previous harvest.
struct PeriodStats {
  Tally tally;
  metrics::HdrHistogram latency;  // µs from the intended send time, answered requests only
};

class WorkerRecorder {
 public:
  WorkerRecorder(LiveCounters& live, std::size_t stripe) : live_(live), stripe_(stripe) {}

  // A response arrived: its latency counts, a 5xx is an error, a 4xx is only counted.
  void response(std::uint64_t latency_us, int status) {
    period_.latency.record(latency_us);
    live_.latency.record(stripe_, latency_us);
    if (status >= 500) {
      error(ErrorKind::status_5xx);
      return;
    }
    if (status >= 400) {
      ++period_.tally.status_4xx;
      live_.status_4xx.add(stripe_);
    }
    finished(1);
  }

  // The request ended without a usable response.
  void error(ErrorKind kind, std::uint64_t count = 1) {
    period_.tally.errors_of(kind) += count;
    live_.errors_by_kind[static_cast<std::size_t>(kind)].add(stripe_, count);
    finished(count);
  }

  // Open model: sent after its due time because every connection was busy.
  void late() {
    ++period_.tally.late;
    live_.late.add(stripe_);
  }

  void inflight(int delta) { live_.inflight.add(stripe_, delta); }

  PeriodStats harvest() { return std::exchange(period_, PeriodStats{}); }

 private:
  void finished(std::uint64_t count) {
    period_.tally.requests += count;
    live_.requests.add(stripe_, count);
  }

  LiveCounters& live_;
  std::size_t stripe_;
  PeriodStats period_;
};

}  // namespace faultline::loadgen
