#include "loadgen/hdr_log.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "metrics/hdr_layout.hpp"

namespace faultline::loadgen {

namespace {

// java.util.Date.toString()'s form ("Thu Jan 01 00:00:00 UTC 2026"), always in UTC.
std::string java_date(double unix_seconds) {
  const auto whole = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &utc);
  return text;
}

}  // namespace

std::string hdr_log_text(const RunResult& r) {
  std::string out;
  char line[256];
  out +=
      "#[faultline bench " + r.url + ": latency in microseconds, Interval_Max in milliseconds]\n";
  out += "#[Histogram log format version 1.3]\n";
  std::snprintf(line, sizeof line, "#[StartTime: %.3f (seconds since epoch), %s]\n",
                r.start_unix_seconds, java_date(r.start_unix_seconds).c_str());
  out += line;
  std::snprintf(line, sizeof line, "#[BaseTime: %.3f (seconds since epoch)]\n",
                r.start_unix_seconds);
  out += line;
  out +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  for (const IntervalResult& i : r.intervals) {
    // HdrHistogram's getMaxValue(): the highest value equivalent to the largest recorded.
    const std::uint64_t max =
        i.max_us == 0 ? 0 : metrics::hdr::highest_value(metrics::hdr::index_of(i.max_us));
    std::snprintf(line, sizeof line, "%.3f,%.3f,%.3f,", i.start_seconds, i.seconds,
                  static_cast<double>(max) / 1000.0);
    out += line;
    out += i.histogram;
    out += '\n';
  }
  return out;
}

}  // namespace faultline::loadgen
