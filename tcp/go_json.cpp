#include "tcp/go_json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include <boost/json/error.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

namespace faultline::tcp::gojson {

namespace json = boost::json;

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string field_error(const json::value& value, std::string_view go_field,
                        std::string_view go_type) {
  return "json: cannot unmarshal " + std::string(kind_name(value)) + " into Go struct field " +
         std::string(go_field) + " of type " + std::string(go_type);
}

// A number as it was most likely written (Go quotes the literal in its errors).
std::string number_text(const json::value& value) {
  if (value.is_int64()) return std::to_string(value.as_int64());
  if (value.is_uint64()) return std::to_string(value.as_uint64());
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.as_double());
  return std::string(buffer.data(), end);
}

}  // namespace

std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else if (c == 0xe2 && i + 2 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
                    static_cast<unsigned char>(text[i + 2]) == 0xa9)) {
          // U+2028 and U+2029, which JavaScript does not allow in a string literal.
          out += static_cast<unsigned char>(text[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string float32(float value) {
  if (std::isnan(value) || std::isinf(value)) return "null";  // Go refuses these; never stored
  std::array<char, 64> buffer{};
  const float magnitude = std::fabs(value);
  const bool exponent = magnitude != 0 && (magnitude < 1e-6f || magnitude >= 1e21f);
  auto [end, ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                    exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string text(buffer.data(), end);
  if (exponent) {
    // Go writes at least two exponent digits ("1e-07"), as C does.
    const auto e = text.find('e');
    std::string mantissa = text.substr(0, e);
    std::string sign = text.substr(e + 1, 1);
    std::string digits = text.substr(e + 2);
    if (digits.size() < 2) digits.insert(0, "0");
    text = mantissa + "e" + sign + digits;
  }
  return text;
}

std::optional<json::value> parse(std::string_view body, std::string& error) {
  std::size_t start = 0;
  while (start < body.size() && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' ||
                                 body[start] == '\n')) {
    ++start;
  }
  if (start == body.size()) {
    error = "EOF";
    return std::nullopt;
  }
  json::parser parser;
  boost::system::error_code ec;
  // write_some parses the first complete value and leaves what follows unread.
  parser.write_some(body.data() + start, body.size() - start, ec);
  if (ec) {
    error = ec == json::error::incomplete ? "unexpected EOF" : ec.message();
    return std::nullopt;
  }
  return parser.release();
}

std::string_view kind_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

const json::value* member(const json::object& object, std::string_view key) {
  const json::value* found = nullptr;
  for (const auto& item : object) {
    if (equal_ignoring_case(item.key(), key)) found = &item.value();
  }
  return found;
}

std::string read_string(const json::object& object, std::string_view key, std::string_view go_field,
                        std::string& out) {
  const json::value* value = member(object, key);
  if (value == nullptr || value->is_null()) return "";
  if (!value->is_string()) return field_error(*value, go_field, "string");
  out = std::string(value->as_string());
  return "";
}

std::string read_bool(const json::object& object, std::string_view key, std::string_view go_field,
                      std::optional<bool>& out) {
  const json::value* value = member(object, key);
  if (value == nullptr || value->is_null()) return "";
  if (!value->is_bool()) return field_error(*value, go_field, "bool");
  out = value->as_bool();
  return "";
}

std::string read_float32(const json::object& object, std::string_view key,
                         std::string_view go_field, float& out) {
  const json::value* value = member(object, key);
  if (value == nullptr || value->is_null()) return "";
  if (!value->is_number()) return field_error(*value, go_field, "float32");
  const double number = value->to_number<double>();
  if (std::fabs(number) > std::numeric_limits<float>::max()) {
    return "json: cannot unmarshal number " + number_text(*value) + " into Go struct field " +
           std::string(go_field) + " of type float32";
  }
  out = static_cast<float>(number);
  return "";
}

std::string read_int64(const json::object& object, std::string_view key, std::string_view go_field,
                       std::int64_t& out) {
  const json::value* value = member(object, key);
  if (value == nullptr || value->is_null()) return "";
  if (value->is_int64()) {
    out = value->as_int64();
    return "";
  }
  if (value->is_uint64() || value->is_double()) {
    return "json: cannot unmarshal number " + number_text(*value) + " into Go struct field " +
           std::string(go_field) + " of type int64";
  }
  return field_error(*value, go_field, "int64");
}

std::string type_error(const json::value& value, std::string_view go_type) {
  return "json: cannot unmarshal " + std::string(kind_name(value)) + " into Go value of type " +
         std::string(go_type);
}

}  // namespace faultline::tcp::gojson
