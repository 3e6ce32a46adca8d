// HTTP/1.1 message heads, read strictly (RFC 9112 §2-§6, RFC 9110 §5, §8.6): pure, no I/O.
// Both sides of the proxy and the admin listener read every head through parse_head, so a
// message the upstream could read two ways is refused before a byte of it is forwarded:
// obs-fold, whitespace before a colon, control characters in a field, a second Host,
// Content-Length values that differ, Transfer-Encoding beside Content-Length or with a
// coding other than chunked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace faultline::http {

enum class HeadKind { request, response };

struct HeadField {
  std::string_view name;
  std::string_view value;  // without surrounding whitespace
};

// How the body of the message is delimited (RFC 9112 §6.3), from its fields alone: whether a
// response has a body at all also depends on the request (HEAD) and its status (1xx, 204, 304).
enum class BodyFraming { none, length, chunked, until_close };

struct ParsedHead {
  // Request line, or status line. Views into the parsed text.
  std::string_view method, target;
  unsigned status = 0;
  std::string_view reason;
  unsigned version = 11;  // 10 or 11
  // Most heads have fewer fields than this: they are kept in place, with no allocation.
  boost::container::small_vector<HeadField, 16> fields;

  BodyFraming framing = BodyFraming::none;
  std::uint64_t content_length = 0;  // with BodyFraming::length
  // HTTP/1.0 with Transfer-Encoding (RFC 9112 §6.1): the message is used once, then the
  // connection closes, because what follows it cannot be trusted to be framed.
  bool close_after = false;
  bool keep_alive = true;  // from the version and Connection (before close_after)
  bool has_host = false;

  // The first field named `name` (case-insensitive), if any.
  std::optional<std::string_view> field(std::string_view name) const;
};

// Why a head is refused: the status a client gets (400, 431, 501) and a reason for a person.
// For a response the proxy answers 502 with the same reason.
struct HeadError {
  unsigned status = 400;
  std::string reason;
};

using HeadResult = std::variant<ParsedHead, HeadError>;

// Where the head in `buffered` ends: the length up to and including the empty line, or
// npos while it is incomplete. `scanned` is how much was searched before (to resume).
std::size_t find_head_end(std::string_view buffered, std::size_t scanned = 0);

// Parses one complete head (request line or status line through the empty line).
HeadResult parse_head(std::string_view head, HeadKind kind);

}  // namespace faultline::http
