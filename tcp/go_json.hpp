// JSON as toxiproxy-server's Go encoding/json reads and writes it, so that a Toxiproxy
// client sees the same bytes from faultline:
// - writing: compact, fields in declaration order, strings HTML-escaped (<, >, & as
//   \u003c, \u003e, \u0026), float32 printed shortest;
// - reading: the first JSON value of the body (anything after it is ignored, as a Go
//   json.Decoder does), object keys matched case-insensitively with the last one winning,
//   unknown keys ignored, null leaving a field as it was, and the decoder's error wording
//   ("EOF" for an empty body, "json: cannot unmarshal ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace faultline::tcp::gojson {

// "text" as a JSON string literal, quotes included.
std::string quote(std::string_view text);
// A float32 as Go prints it: 1, 0.5, 1e-07.
std::string float32(float value);

// The first value of `body`, or nullopt with `error` set to the decoder's reason.
std::optional<boost::json::value> parse(std::string_view body, std::string& error);

// Go's name of a JSON value's kind in its error messages: "string", "number", "bool",
// "array", "object".
std::string_view kind_name(const boost::json::value& value);

// The member of `object` whose key equals `key` ignoring case (the last one when several
// do), or nullptr.
const boost::json::value* member(const boost::json::object& object, std::string_view key);

// Field readers: leave `out` unchanged for an absent or null member; otherwise store the
// value, or return the Go decoder's error naming `go_field` (e.g. "Proxy.name").
std::string read_string(const boost::json::object& object, std::string_view key,
                        std::string_view go_field, std::string& out);
std::string read_bool(const boost::json::object& object, std::string_view key,
                      std::string_view go_field, std::optional<bool>& out);
std::string read_float32(const boost::json::object& object, std::string_view key,
                         std::string_view go_field, float& out);
// An integer literal only, as Go decodes into int64: 1.5 and 1e3 are errors.
std::string read_int64(const boost::json::object& object, std::string_view key,
                       std::string_view go_field, std::int64_t& out);

// "json: cannot unmarshal <kind> into Go value of type <go_type>".
std::string type_error(const boost::json::value& value, std::string_view go_type);

}  // namespace faultline::tcp::gojson
