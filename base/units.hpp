// Strict parsing of the units used in the config: durations ("250us", "40ms", "2s",
// "1m") and sizes (bytes, "KiB", "MiB", "GiB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <chrono>

namespace faultline {

// Every duration in faultline: microseconds, the unit of the config and of the histograms.
using Duration = std::chrono::microseconds;

std::optional<Duration> parse_duration(std::string_view text);
std::optional<std::uint64_t> parse_size(std::string_view text);

// Why `text` is not a duration (or a size), as a complete error message such as
// 'expected a duration like "40ms" (unknown unit 'h'; use us, ms, s or m)'; empty when
// it parses. For the config loader and the command line, which both show these.
std::string duration_error(std::string_view text);
std::string size_error(std::string_view text);

// The shortest exact form: 1500000us -> "1500ms", 2000000us -> "2s".
std::string format_duration(Duration d);

}  // namespace faultline
