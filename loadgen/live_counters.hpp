// The run's numbers so far, readable from any thread at any time: the progress line and
// the --metrics-listen endpoint read them while the workers write. Each worker writes only
// its own stripe (metrics/single_writer.hpp), so recording takes no lock.
#pragma once

#include <cstddef>
#include <vector>

#include "loadgen/tally.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/striped_histogram.hpp"

namespace faultline::loadgen {

struct LiveCounters {
  explicit LiveCounters(std::size_t workers)
      : requests(workers), late(workers), status_4xx(workers), inflight(workers), latency(workers) {
    errors_by_kind.reserve(kErrorKindCount);
    for (std::size_t i = 0; i < kErrorKindCount; ++i) errors_by_kind.emplace_back(workers);
  }

  std::uint64_t errors() const {
    std::uint64_t total = 0;
    for (const auto& counter : errors_by_kind) total += counter.value();
    return total;
  }

  metrics::StripedCounter requests;  // finished requests, errors included
  metrics::StripedCounter late;
  metrics::StripedCounter status_4xx;
  std::vector<metrics::StripedCounter> errors_by_kind;  // indexed by ErrorKind
  metrics::StripedGauge inflight;
  metrics::StripedHistogram latency;  // µs, answered requests only
};

}  // namespace faultline::loadgen
