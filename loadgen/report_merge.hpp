// `bench merge`: several generators' reports (the shards of one run, or any runs against
// one target) added into one, exactly: counts and errors by kind are summed, histograms
// are added bucket by bucket, and every percentile of the result is read from the added
// histogram. No percentile is ever averaged (the average of two P99s is not the P99 of
// anything). Stages and intervals are added position by position: shards started at one
// --start-at have the same boundaries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

struct MergeOutcome {
  std::optional<RunResult> merged;
  std::vector<std::string> errors;    // the reports cannot be added (usage: exit 2)
  std::vector<std::string> warnings;  // added anyway, but the user should know
};

MergeOutcome merge_reports(std::vector<RunResult> reports);

}  // namespace faultline::loadgen
