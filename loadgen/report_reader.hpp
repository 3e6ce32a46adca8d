// Reads `bench --json` reports back into RunResults, for `bench merge`: counts, errors by
// kind, stages and intervals, and the histograms (the "histogram" keys, HdrHistogram's
// base64 text) with their exact mean, min and max from "latency_seconds". Thresholds,
// baseline checks and stress outcomes are judgements of one run and are not read back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

// One report (a JSON object). Returns an error message naming the key, or "".
std::string read_report(std::string_view json_text, RunResult& out);

// Every report in `text`: the whole text as one JSON object (a --json file), or else each
// line that starts with '{' (`--json -` output mixed with text reports, as `kubectl logs`
// of several pods prints it). Errors name the line.
std::string read_reports(std::string_view text, std::vector<RunResult>& out);

}  // namespace faultline::loadgen
