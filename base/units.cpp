// Durations and sizes are parsed by hand, strictly: a value either means exactly what
// it says or is rejected with the reason. No locale, no floating point ("1.1s" must be
// 1100000us, not 1099999us), no silent rounding or wrap-around.
#include "base/units.hpp"

#include "base/text.hpp"

#include <array>
#include <cctype>
#include <limits>

namespace faultline {
namespace {

constexpr std::string_view kDurationExpected = "expected a duration like \"40ms\"";
constexpr std::string_view kSizeExpected = "expected a size like 65536 or \"64KiB\"";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool has_space(std::string_view text) {
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// The value, or the reason (without the "expected ..." prefix) why there is none.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string reason;
};

// Accumulates decimal digits into `out`; false on overflow of `limit`.
bool accumulate(std::string_view digits, std::uint64_t limit, std::uint64_t& out) {
  out = 0;
  for (char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (out > (limit - digit) / 10) return false;
    out = out * 10 + digit;
  }
  return true;
}

struct DurationUnit {
  std::string_view suffix;
  std::uint64_t micros;
};
constexpr std::array<DurationUnit, 4> kDurationUnits{{
    {"m", 60'000'000},
    {"s", 1'000'000},
    {"ms", 1'000},
    {"us", 1},
}};

Parsed<Duration> parse_duration_detailed(std::string_view text) {
  if (text.empty()) return {std::nullopt, "empty"};
  if (has_space(text)) return {std::nullopt, "no spaces allowed"};
  if (text.front() == '-') return {std::nullopt, "negative durations are not allowed"};

  // digits ['.' digits] unit
  std::size_t pos = 0;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  const std::string_view whole = text.substr(0, pos);
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t fraction_begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    fraction = text.substr(fraction_begin, pos - fraction_begin);
    if (fraction.empty()) return {std::nullopt, "digits must follow the decimal point"};
  }
  if (whole.empty()) return {std::nullopt, {}};
  const std::string_view unit_text = text.substr(pos);
  if (unit_text.empty()) return {std::nullopt, "missing unit: use us, ms, s or m"};
  for (char c : unit_text) {
    if (!is_alpha(c)) return {std::nullopt, {}};
  }
  const DurationUnit* unit = nullptr;
  for (const auto& candidate : kDurationUnits) {
    if (candidate.suffix == unit_text) unit = &candidate;
  }
  if (unit == nullptr) {
    return {std::nullopt, "unknown unit '" + std::string(unit_text) + "'; use us, ms, s or m"};
  }

  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max());
  std::uint64_t whole_value = 0;
  if (!accumulate(whole, kMax, whole_value) || whole_value > kMax / unit->micros) {
    return {std::nullopt, "too large"};
  }
  std::uint64_t micros = whole_value * unit->micros;

  // Trailing zeros add nothing. What is left must be a whole number of microseconds:
  // fraction * unit / 10^digits. The largest unit (6 * 10^7 us) has 2^8 as a factor, so
  // more than 8 significant fraction digits can never come out whole.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (!fraction.empty()) {
    if (fraction.size() > 8) return {std::nullopt, "finer than 1us"};
    std::uint64_t fraction_value = 0;
    accumulate(fraction, kMax, fraction_value);  // < 10^8: cannot overflow
    std::uint64_t scale = 1;
    for (std::size_t i = 0; i < fraction.size(); ++i) scale *= 10;
    const std::uint64_t scaled = fraction_value * unit->micros;  // < 6 * 10^15
    if (scaled % scale != 0) return {std::nullopt, "finer than 1us"};
    if (micros > kMax - scaled / scale) return {std::nullopt, "too large"};
    micros += scaled / scale;
  }
  return {Duration(static_cast<Duration::rep>(micros)), {}};
}

struct SizeUnit {
  std::string_view suffix;
  unsigned shift;
};
constexpr std::array<SizeUnit, 4> kSizeUnits{{
    {"", 0},
    {"KiB", 10},
    {"MiB", 20},
    {"GiB", 30},
}};

// "64MB", "64kb", "64k": decimal or unclear units we refuse, and the binary one meant.
std::optional<std::string_view> binary_unit_for(std::string_view unit) {
  const std::string lower = lowercase(unit);
  if (lower == "k" || lower == "kb" || lower == "kib") return "KiB";
  if (lower == "m" || lower == "mb" || lower == "mib") return "MiB";
  if (lower == "g" || lower == "gb" || lower == "gib") return "GiB";
  return std::nullopt;
}

Parsed<std::uint64_t> parse_size_detailed(std::string_view text) {
  if (text.empty()) return {std::nullopt, "empty"};
  if (has_space(text)) return {std::nullopt, "no spaces allowed"};
  if (text.front() == '-') return {std::nullopt, "negative sizes are not allowed"};

  std::size_t pos = 0;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  const std::string_view digits = text.substr(0, pos);
  const std::string_view unit_text = text.substr(pos);
  if (digits.empty()) return {std::nullopt, {}};
  for (char c : unit_text) {
    if (!is_alpha(c)) {
      if (c == '.') return {std::nullopt, "write a whole number"};
      return {std::nullopt, {}};
    }
  }
  const SizeUnit* unit = nullptr;
  for (const auto& candidate : kSizeUnits) {
    if (candidate.suffix == unit_text) unit = &candidate;
  }
  if (unit == nullptr) {
    if (auto binary = binary_unit_for(unit_text)) {
      return {std::nullopt, "unit '" + std::string(unit_text) + "' is not supported; write \"" +
                                std::string(digits) + std::string(*binary) + "\""};
    }
    return {std::nullopt, "unknown unit '" + std::string(unit_text) + "'; use KiB, MiB or GiB"};
  }

  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  if (!accumulate(digits, kMax, value) || value > (kMax >> unit->shift)) {
    return {std::nullopt, "too large"};
  }
  return {value << unit->shift, {}};
}

std::string with_reason(std::string_view expected, const std::string& reason) {
  std::string message(expected);
  if (!reason.empty()) message += " (" + reason + ")";
  return message;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  return parse_duration_detailed(text).value;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  return parse_size_detailed(text).value;
}

std::string duration_error(std::string_view text) {
  auto parsed = parse_duration_detailed(text);
  if (parsed.value) return {};
  return with_reason(kDurationExpected, parsed.reason);
}

std::string size_error(std::string_view text) {
  auto parsed = parse_size_detailed(text);
  if (parsed.value) return {};
  return with_reason(kSizeExpected, parsed.reason);
}

std::string format_duration(Duration d) {
  auto micros = d.count();
  std::string sign;
  if (micros < 0) {
    sign = "-";
    // The most negative value has no positive counterpart; it is never a config value.
    if (micros == std::numeric_limits<Duration::rep>::min()) return "-9223372036854775808us";
    micros = -micros;
  }
  if (micros == 0) return "0s";
  for (const auto& unit : kDurationUnits) {  // largest unit first
    const auto size = static_cast<Duration::rep>(unit.micros);
    if (micros % size == 0) return sign + std::to_string(micros / size) + std::string(unit.suffix);
  }
  return sign + std::to_string(micros) + "us";  // unreachable: 1us divides everything
}

}  // namespace faultline
