// Durations and sizes as written in faultline.toml: what is accepted, exactly what it
// means, and what each rejected form says.
#include "base/units.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>

namespace faultline::config {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(parse_duration("250us"), microseconds(250));
  EXPECT_EQ(parse_duration("40ms"), milliseconds(40));
  EXPECT_EQ(parse_duration("2s"), seconds(2));
  EXPECT_EQ(parse_duration("1m"), minutes(1));
  EXPECT_EQ(parse_duration("0s"), microseconds(0));
  EXPECT_EQ(parse_duration("007ms"), milliseconds(7));
}

TEST(ParseDuration, DecimalsAreExactToTheMicrosecond) {
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("1.1s"), microseconds(1'100'000));  // no binary floating point
  EXPECT_EQ(parse_duration("0.001ms"), microseconds(1));
  EXPECT_EQ(parse_duration("2.5m"), seconds(150));
  EXPECT_EQ(parse_duration("1.00000005m"), microseconds(60'000'003));
  EXPECT_EQ(parse_duration("1.000000000000000000000s"), seconds(1));  // trailing zeros add nothing
}

TEST(ParseDuration, RejectsPrecisionFinerThanOneMicrosecond) {
  EXPECT_EQ(parse_duration("1.5us"), std::nullopt);
  EXPECT_EQ(parse_duration("0.0001ms"), std::nullopt);
  EXPECT_EQ(parse_duration("1.0000001s"), std::nullopt);
  EXPECT_EQ(duration_error("1.5us"), "expected a duration like \"40ms\" (finer than 1us)");
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text : {"", "10", "1.5", "10h", "10S", "-1s", "+1s", "1 s", " 1s", "1s ", "1.s",
                           ".5s", "1e3ms", "ms", "1s2", "1..5s", "1,5s", "1sms"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
    EXPECT_FALSE(duration_error(text).empty()) << '"' << text << '"';
  }
}

TEST(ParseDuration, RejectsOverflowInsteadOfWrappingAround) {
  EXPECT_EQ(parse_duration("9223372036854775807us"), microseconds(INT64_MAX));
  EXPECT_EQ(parse_duration("9223372036854775808us"), std::nullopt);
  EXPECT_EQ(parse_duration("153722867280m"), microseconds(153722867280LL * 60'000'000));
  EXPECT_EQ(parse_duration("153722867281m"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854.775807s"), microseconds(INT64_MAX));
  EXPECT_EQ(parse_duration("9223372036854.775808s"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999999s"), std::nullopt);
  EXPECT_EQ(duration_error("99999999999999999999999999s"),
            "expected a duration like \"40ms\" (too large)");
}

TEST(DurationError, ExplainsWhatIsWrong) {
  EXPECT_EQ(duration_error("40ms"), "");
  EXPECT_EQ(duration_error("10h"),
            "expected a duration like \"40ms\" (unknown unit 'h'; use us, ms, s or m)");
  EXPECT_EQ(duration_error("10"),
            "expected a duration like \"40ms\" (missing unit: use us, ms, s or m)");
  EXPECT_EQ(duration_error("-1s"),
            "expected a duration like \"40ms\" (negative durations are not allowed)");
  EXPECT_EQ(duration_error("1 s"), "expected a duration like \"40ms\" (no spaces allowed)");
  EXPECT_EQ(duration_error(""), "expected a duration like \"40ms\" (empty)");
  EXPECT_EQ(duration_error("fast"), "expected a duration like \"40ms\"");
}

TEST(FormatDuration, PicksTheLargestExactUnit) {
  EXPECT_EQ(format_duration(microseconds(1'500'000)), "1500ms");
  EXPECT_EQ(format_duration(seconds(2)), "2s");
  EXPECT_EQ(format_duration(seconds(60)), "1m");
  EXPECT_EQ(format_duration(seconds(90)), "90s");
  EXPECT_EQ(format_duration(microseconds(250)), "250us");
  EXPECT_EQ(format_duration(microseconds(1'000'001)), "1000001us");
  EXPECT_EQ(format_duration(microseconds(0)), "0s");
}

TEST(FormatDuration, RoundTripsThroughParseDuration) {
  for (std::int64_t micros : std::initializer_list<std::int64_t>{
           1, 999, 1'000, 40'000, 1'234'567, 60'000'000, 3'600'000'000, INT64_MAX}) {
    const microseconds value(micros);
    EXPECT_EQ(parse_duration(format_duration(value)), value) << format_duration(value);
  }
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
}

TEST(ParseSize, RejectsDecimalUnitsSuggestingTheBinaryOne) {
  EXPECT_EQ(parse_size("64MB"), std::nullopt);
  EXPECT_EQ(parse_size("64kb"), std::nullopt);
  EXPECT_EQ(size_error("64MB"),
            "expected a size like 65536 or \"64KiB\" (unit 'MB' is not supported; write "
            "\"64MiB\")");
  EXPECT_EQ(size_error("64kb"),
            "expected a size like 65536 or \"64KiB\" (unit 'kb' is not supported; write "
            "\"64KiB\")");
  EXPECT_EQ(size_error("2G"),
            "expected a size like 65536 or \"64KiB\" (unit 'G' is not supported; write "
            "\"2GiB\")");
}

TEST(ParseSize, RejectsMalformedText) {
  for (const char* text :
       {"", "-1", "+1", "1.5MiB", "64 KiB", "KiB", "64TiB", "64B", "0x10", "64KiB "}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << '"' << text << '"';
    EXPECT_FALSE(size_error(text).empty()) << '"' << text << '"';
  }
  EXPECT_EQ(size_error("-1"),
            "expected a size like 65536 or \"64KiB\" (negative sizes are not allowed)");
  EXPECT_EQ(size_error("64TiB"),
            "expected a size like 65536 or \"64KiB\" (unknown unit 'TiB'; use KiB, MiB or GiB)");
  EXPECT_EQ(size_error("64MiB"), "");
}

TEST(ParseSize, RejectsOverflowInsteadOfWrappingAround) {
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_size("17179869183GiB"), 17179869183ULL << 30);
  EXPECT_EQ(parse_size("17179869184GiB"), std::nullopt);  // 2^34 GiB = 2^64 bytes
  EXPECT_EQ(size_error("17179869184GiB"), "expected a size like 65536 or \"64KiB\" (too large)");
}

}  // namespace
}  // namespace faultline::config
