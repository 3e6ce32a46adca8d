// process_* metrics: the /proc parsers on fixed text, and one real read of this process.
#include <chrono>

#include <gtest/gtest.h>

#include "metrics/process_metrics.hpp"

namespace faultline::metrics {
namespace {

// A real /proc/<pid>/stat line, with a command name holding a space and a parenthesis.
constexpr const char* kStat =
    "4242 (fault line) x) S 1 4242 4242 0 -1 4194560 1905 0 0 0 "
    "250 75 0 0 20 0 9 0 179583 734003200 3000 18446744073709551615 1 1 0 0 0 0 0 "
    "4096 17635 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST(MetricsProcess, ParsesCpuStartTimeAndRssFromProcPidStat) {
  const auto stat = parse_proc_pid_stat(kStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 179583u);
  EXPECT_EQ(stat->rss_pages, 3000u);
}

TEST(MetricsProcess, RejectsTextThatIsNotAStatLine) {
  EXPECT_FALSE(parse_proc_pid_stat("").has_value());
  EXPECT_FALSE(parse_proc_pid_stat("4242 (cut short) S 1 2 3").has_value());
  EXPECT_FALSE(parse_proc_pid_stat("no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12").has_value());
}

TEST(MetricsProcess, FindsTheBootTimeInProcStat) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 7\n"), 1700000000u);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3 4\n").has_value());
}

TEST(MetricsProcess, ConvertsTicksAndPagesToSecondsAndBytes) {
  const ProcessSample sample =
      make_process_sample(*parse_proc_pid_stat(kStat), 1'700'000'000, 100, 4096, 12);
  EXPECT_DOUBLE_EQ(sample.cpu_seconds, 3.25);
  EXPECT_EQ(sample.resident_bytes, 3000u * 4096u);
  EXPECT_EQ(sample.open_fds, 12u);
  EXPECT_DOUBLE_EQ(sample.start_time_seconds, 1'700'000'000 + 1795.83);
}

TEST(MetricsProcess, ReadsThisProcess) {
  const auto sample = read_process_sample();
  ASSERT_TRUE(sample.has_value());
  EXPECT_GT(sample->resident_bytes, 0u);
  EXPECT_GE(sample->open_fds, 3u);  // stdin, stdout, stderr
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(sample->start_time_seconds, now + 1);
  EXPECT_GT(sample->start_time_seconds, now - 24 * 3600 * 365);
  EXPECT_GE(sample->cpu_seconds, 0.0);
}

}  // namespace
}  // namespace faultline::metrics
