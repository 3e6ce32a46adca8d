#include "loadgen/request_syntax.hpp"

#include <cstdio>

#include "base/text.hpp"

namespace faultline::loadgen {

namespace {

// For messages: "'?'" for a visible character, "byte 0x0d" for any other.
std::string shown(unsigned char c) {
  char text[32];
  if (c > 0x20 && c < 0x7f) {
    std::snprintf(text, sizeof text, "'%c'", c);
  } else {
    std::snprintf(text, sizeof text, "byte 0x%02x", c);
  }
  return text;
}

}  // namespace

std::string header_name_problem(std::string_view name) {
  if (name.empty()) return "a header needs a name";
  if (is_token(name)) return "";
  for (const char& c : name) {
    if (!is_token(std::string_view(&c, 1))) {
      return "a header name cannot contain " + shown(static_cast<unsigned char>(c));
    }
  }
  return "";
}

std::string header_value_problem(std::string_view value) {
  if (!has_control_character(value, true)) return "";
  for (const char& c : value) {
    if (has_control_character(std::string_view(&c, 1), true)) {
      return "a header value cannot contain " + shown(static_cast<unsigned char>(c));
    }
  }
  return "";
}

std::string path_problem(std::string_view path) {
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return "a path cannot contain " + shown(byte) + "; percent-encode it (a space is %20)";
    }
  }
  return "";
}

}  // namespace faultline::loadgen
