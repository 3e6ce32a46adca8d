// The two reports of a run: text for people (wrk2 --latency style, on stdout) and JSON for
// machines (README "Load generator", with errors by kind, intervals, drift,
// thresholds and baseline checks). Pure: a RunResult and a Verdict in, a string out.
#pragma once

#include <string>

#include "loadgen/baseline.hpp"
#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

std::string text_report(const RunResult& result, const Verdict& verdict);
std::string json_report(const RunResult& result, const Verdict& verdict);
// One self-contained HTML page (inline SVG charts, no script, no network).
std::string html_report(const RunResult& result, const Verdict& verdict);

// The live one-line progress: "[ 3.0s/10.0s] 400.1 req/s  errors 0 (0.00%)  p99 1.21ms".
std::string progress_line(double elapsed_seconds, double total_seconds, double rate,
                          std::uint64_t requests, std::uint64_t errors, double p99_seconds);

}  // namespace faultline::loadgen
