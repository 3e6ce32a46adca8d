// --hdr-log's text: HdrHistogram's HistogramLogWriter layout, line for line.
#include <gtest/gtest.h>

#include "loadgen/hdr_log.hpp"
#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {
namespace {

TEST(LoadgenHdrLog, HeaderThenOneLinePerIntervalAsHistogramLogWriterWritesThem) {
  RunResult r;
  r.url = "http://127.0.0.1:9000/";
  r.start_unix_seconds = 1767225600.25;  // 2026-01-01 00:00:00.250 UTC
  metrics::HdrHistogram first;
  first.record(1500);
  first.record(12'345);  // bucket [12344, 12351]: HdrHistogram's max is its top
  IntervalResult a{
      0, 10, 2, 0, 0, 0.0015, 0.012345, first.max(), metrics::hdr_encode_base64(first)};
  IntervalResult b{10, 2.5, 0, 0, 0, 0, 0, 0, metrics::hdr_encode_base64(metrics::HdrHistogram{})};
  r.intervals = {a, b};

  const std::string expected =
      "#[faultline bench http://127.0.0.1:9000/: latency in microseconds, Interval_Max in "
      "milliseconds]\n"
      "#[Histogram log format version 1.3]\n"
      "#[StartTime: 1767225600.250 (seconds since epoch), Thu Jan 01 00:00:00 UTC 2026]\n"
      "#[BaseTime: 1767225600.250 (seconds since epoch)]\n"
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
      "0.000,10.000,12.351," +
      a.histogram + "\n10.000,2.500,0.000," + b.histogram + "\n";
  EXPECT_EQ(hdr_log_text(r), expected);
}

}  // namespace
}  // namespace faultline::loadgen
