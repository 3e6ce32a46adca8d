// --hdr-log: a run's intervals in HdrHistogram's interval log format, as HdrHistogram's
// HistogramLogWriter writes it, so that HdrHistogram's own tools (HistogramLogProcessor,
// HistogramLogAnalyzer, the JS, Go, Python and Rust log readers) read it:
//
//   #[faultline bench http://...: latency in microseconds, Interval_Max in milliseconds]
//   #[Histogram log format version 1.3]
//   #[StartTime: 1767225600.000 (seconds since epoch), Thu Jan 01 00:00:00 UTC 2026]
//   #[BaseTime: 1767225600.000 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   0.000,10.000,1.215,HISTFAAAAEF42pNpmSzMwMDAxwABzFCaEUoz...
//
// One line per --interval: its start relative to BaseTime (the run's time 0) and length in
// seconds, its largest latency as HdrHistogram reports a maximum (the top of the largest
// value's bucket) divided by 1000, and its histogram (hdr_encoding.hpp) with values in
// microseconds. Pure: the caller writes the text to the file.
#pragma once

#include <string>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

std::string hdr_log_text(const RunResult& result);

}  // namespace faultline::loadgen
