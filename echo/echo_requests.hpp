// The pure parts of `faultline echo`'s endpoints: the numbers in their paths and query
// strings, and the pattern /bytes/{n} sends. No I/O here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace faultline::echo {

// Byte i of every /bytes/{n} body.
constexpr char echo_pattern_byte(std::uint64_t i) {
  return static_cast<char>('a' + i % 26);
}

// A whole number of pattern periods, so every piece of /bytes/{n} starts at 'a'.
inline constexpr std::size_t kPatternPieceSize = 26 * 2520;
const std::array<char, kPatternPieceSize>& pattern_piece();

// Decimal digits only, the whole of `digits`.
std::optional<std::uint64_t> parse_number(std::string_view digits);

// The number that follows `prefix` in `path` ("/delay/" in "/delay/120").
std::optional<std::uint64_t> number_after(std::string_view path, std::string_view prefix);

// The value of name in a query string ("every=100&x=1"), if present.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name);

}  // namespace faultline::echo
