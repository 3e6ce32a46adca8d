#include "faults/header_control.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "base/text.hpp"

namespace faultline::faults {
namespace {

// Abort statuses must be final responses: a 1xx is interim (RFC 9110 §15.2), the client
// would keep waiting. Envoy's fault filter takes the same range.
constexpr int kMinAbortStatus = 200;
constexpr int kMaxAbortStatus = 599;

enum class Control {
  faultline_delay,
  envoy_delay,
  faultline_throttle,
  envoy_throughput,
  faultline_abort,
  envoy_abort,
  faultline_reset,
};

struct ControlHeader {
  Control control;
  std::string_view name;
};

// In the order their rules are applied.
constexpr std::array<ControlHeader, 7> kControlHeaders{{
    {Control::faultline_delay, Delay::info.control_header},
    {Control::envoy_delay, "x-envoy-fault-delay-request"},
    {Control::faultline_throttle, Throttle::info.control_header},
    {Control::envoy_throughput, "x-envoy-fault-throughput-response"},
    {Control::faultline_abort, Abort::info.control_header},
    {Control::envoy_abort, "x-envoy-fault-abort-request"},
    {Control::faultline_reset, Reset::info.control_header},
}};

// The value as it may be shown in a log line: quoted, printable, at most 64 characters.
std::string quoted(std::string_view value) {
  constexpr std::size_t kShown = 64;
  std::string text = "\"";
  for (char c : value.substr(0, kShown)) text += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (value.size() > kShown) text += "...";
  return text + "\"";
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

// "120ms", "1.5s", "250us", "2m", or a bare number of milliseconds ("120", "0.5").
std::optional<Duration> parse_delay(std::string_view text) {
  std::size_t number_end = 0;
  while (number_end < text.size() &&
         ((text[number_end] >= '0' && text[number_end] <= '9') || text[number_end] == '.')) {
    ++number_end;
  }
  const std::string_view unit = text.substr(number_end);
  double micros_per_unit = 0;
  if (unit.empty() || unit == "ms") {
    micros_per_unit = 1e3;
  } else if (unit == "us") {
    micros_per_unit = 1;
  } else if (unit == "s") {
    micros_per_unit = 1e6;
  } else if (unit == "m") {
    micros_per_unit = 60e6;
  } else {
    return std::nullopt;
  }
  double number = 0;
  const std::string_view digits = text.substr(0, number_end);
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number,
                                            std::chars_format::fixed);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  const double micros = number * micros_per_unit;
  if (!(micros <= static_cast<double>(kDelayCeiling.count()))) return Duration::max();
  return Duration(std::llround(micros));
}

Rule forced_rule(std::string_view header, Action action) {
  return Rule{"header:" + std::string(header), Matcher{}, 1.0, std::move(action)};
}

Rule delay_rule(std::string_view header, Duration delay) {
  return forced_rule(header, Delay{Distribution{FixedDelay{delay}, std::nullopt}, Phase::request});
}

class Parser {
 public:
  void parse(const ControlHeader& header, std::string_view raw) {
    const std::string_view value = trim(raw);
    switch (header.control) {
      case Control::faultline_delay: {
        const auto delay = parse_delay(value);
        if (!delay) {
          problem(header, "expected a duration like \"120ms\" (a bare number is milliseconds)",
                  raw);
        } else if (*delay > kDelayCeiling) {
          problem(header, "longer than 24h", raw);
        } else if (delay->count() > 0) {
          result.rules.push_back(delay_rule(header.name, *delay));
        }
        return;
      }
      case Control::envoy_delay: {
        const auto millis = parse_unsigned(value);
        if (!millis) {
          problem(header, "expected a whole number of milliseconds", raw);
        } else if (*millis > static_cast<std::uint64_t>(kDelayCeiling.count() / 1000)) {
          problem(header, "longer than 24h", raw);
        } else if (*millis > 0) {
          result.rules.push_back(delay_rule(header.name, std::chrono::milliseconds(*millis)));
        }
        return;
      }
      case Control::faultline_throttle:
      case Control::envoy_throughput: {
        const bool kib = header.control == Control::envoy_throughput;
        const auto rate = parse_unsigned(value);
        if (!rate || *rate == 0 ||
            (kib && *rate > std::numeric_limits<std::uint64_t>::max() / 1024)) {
          problem(header,
                  kib ? "expected a rate in KiB/s greater than 0"
                      : "expected a rate in bytes/s greater than 0",
                  raw);
        } else {
          result.rules.push_back(forced_rule(header.name, Throttle{kib ? *rate * 1024 : *rate}));
        }
        return;
      }
      case Control::faultline_abort:
      case Control::envoy_abort: {
        const auto status = parse_unsigned(value);
        if (!status || *status < kMinAbortStatus || *status > kMaxAbortStatus) {
          problem(header, "expected an HTTP status from 200 to 599", raw);
        } else {
          result.rules.push_back(
              forced_rule(header.name, Abort{static_cast<int>(*status), {}, {}}));
        }
        return;
      }
      case Control::faultline_reset: {
        if (value == "1" || value == "true") {
          result.rules.push_back(forced_rule(header.name, Reset{}));
        } else if (value != "0" && value != "false") {
          problem(header, "expected 1 or true (0 or false for no reset)", raw);
        }
        return;
      }
    }
  }

  void repeated(const ControlHeader& header) {
    result.problems.push_back(std::string(header.name) + ": repeated; the first value is used");
  }

  HeaderControl result;

 private:
  void problem(const ControlHeader& header, std::string_view expected, std::string_view raw) {
    result.problems.push_back(std::string(header.name) + ": " + std::string(expected) + ", got " +
                              quoted(raw));
  }
};

}  // namespace

HeaderControl parse_header_control(std::span<const Header> headers) {
  Parser parser;
  for (const ControlHeader& control : kControlHeaders) {
    bool seen = false;
    for (const Header& header : headers) {
      if (!iequals(header.name, control.name)) continue;
      if (seen) {
        parser.repeated(control);
        break;
      }
      seen = true;
      parser.parse(control, header.value);
    }
  }
  return std::move(parser.result);
}

bool is_control_header(std::string_view name) {
  for (const ControlHeader& control : kControlHeaders) {
    if (iequals(name, control.name)) return true;
  }
  return false;
}

}  // namespace faultline::faults
