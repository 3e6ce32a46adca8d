// --shard i/N: one generator of N taking share i (0-based, as a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX) of one run's schedule, so that N processes on N machines together
// send the load asked for, and `bench merge` adds their reports back into one.
//
// Open model: the run's schedule is one sequence of due times (rate_schedule.hpp); shard i
// sends requests i, i + N, i + 2N, ... of it, so the N shards send exactly the requests one
// generator would, each at 1/N of the rate, and every stage's ramp stays the same shape.
// Closed model: each stage's users (and the open model's cap on requests in flight) are
// split as evenly as possible, the first shards taking one more. Stages line up when all
// shards start at the same wall-clock time: --start-at, or `start_at` in the scenario.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/plan.hpp"

namespace faultline::loadgen {

// What `bench merge` added up: how many reports, and the shards among them.
struct ShardsMerged {
  std::size_t reports = 0;
  std::vector<unsigned> shards;  // indices of the sharded reports, ascending
  unsigned shard_count = 0;      // N of the sharded reports, 0 when none was sharded
};

// "2/4" → {2, 4}. Returns an error message, or "" after storing the shard in `out`.
std::string parse_shard(std::string_view text, Shard& out);

// A start time as Unix seconds ("1767225600", "1767225600.5") or RFC 3339 with a zone
// ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00"). Returns an error or "".
std::string parse_start_at(std::string_view text, double& unix_seconds);

// This shard's part of `total` things (users, connections): total/N, the first total%N
// shards one more.
unsigned shard_share(unsigned total, const Shard& shard);

// Divides the plan's users and connections for `shard` and records it in the plan (the
// workers take their requests of the open schedule from plan.shard). Returns the problems
// (a stress run, a share of nothing), empty when the shard can run.
std::vector<std::string> apply_shard(BenchPlan& plan, const Shard& shard);

}  // namespace faultline::loadgen
