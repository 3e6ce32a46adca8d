#include "echo/echo_requests.hpp"

#include <algorithm>
#include <charconv>

namespace faultline::echo {

const std::array<char, kPatternPieceSize>& pattern_piece() {
  static const auto piece = [] {
    std::array<char, kPatternPieceSize> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = echo_pattern_byte(i);
    return bytes;
  }();
  return piece;
}

std::optional<std::uint64_t> parse_number(std::string_view digits) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> number_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  return parse_number(path.substr(prefix.size()));
}

std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace faultline::echo
