// The classic Prometheus histogram buckets of faultline_request_duration_seconds and
// faultline_upstream_duration_seconds, and the conversion of an HDR snapshot to them.
//
// The edges are fixed (changing them breaks every recorded query) and chosen for HTTP
// latency with an edge at each common SLO threshold:
//
//   le (s)   le (µs)     why
//   0.0005       500     loopback and same-host upstreams
//   0.001      1 000     1 ms
//   0.0025     2 500
//   0.005      5 000
//   0.01      10 000     same-datacenter round trips
//   0.025     25 000
//   0.05      50 000
//   0.075     75 000
//   0.1      100 000     SLO: 100 ms
//   0.25     250 000     SLO: 250 ms
//   0.3      300 000     SLO: 300 ms
//   0.5      500 000     SLO: 500 ms
//   0.75     750 000
//   1      1 000 000     SLO: 1 s
//   2.5    2 500 000
//   5      5 000 000     injected multi-second delays
//   10    10 000 000
//   30    30 000 000     the default route request_timeout
//   60    60 000 000
//   +Inf                 everything, up to the 1 h clamp
//
// An HDR bucket is counted under the first edge at or above its lowest value. Every edge
// below 2.048 ms is exact; above, the HDR bucket holding an edge is at most 0.1 % wide, so
// a value at most 0.1 % above an edge may be counted under it (a 100.03 ms request under
// le="0.1"), never one below an edge under the next.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "metrics/hdr_histogram.hpp"

namespace faultline::metrics {

inline constexpr std::array<std::uint64_t, 19> kBucketEdgesMicros = {
    500,       1'000,     2'500,      5'000,      10'000,    25'000,  50'000,
    75'000,    100'000,   250'000,    300'000,    500'000,   750'000, 1'000'000,
    2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000};

inline constexpr std::array<double, 19> kBucketEdgesSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
    0.3,    0.5,   0.75,   1,     2.5,  5,     10,   30,    60};

struct ClassicHistogram {
  // cumulative[i]: observations ≤ kBucketEdgesSeconds[i]; the last one is +Inf (= count).
  std::array<std::uint64_t, kBucketEdgesMicros.size() + 1> cumulative{};
  std::uint64_t count = 0;
  double sum_seconds = 0.0;
};

ClassicHistogram to_classic_buckets(const HdrHistogram& histogram);

}  // namespace faultline::metrics
