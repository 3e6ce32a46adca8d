// An independent reading of a chunked body (RFC 9112 §7.1), written for the fuzz targets
// to hold http::BodyDecoder against: simple and slow, on the whole input at once.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// Where the decoder is documented to differ from the grammar, this reads as it does: a
// chunk size has at most 15 hex digits; whitespace may follow the size without an
// extension; an extension's text and the trailer lines are dropped unread (any byte but a
// control character in an extension; any but CR, LF and NUL in a trailer line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::fuzz {

struct ChunkedReading {
  enum Status { complete, incomplete, malformed } status = incomplete;
  std::string data;                   // the body's bytes
  std::size_t end = 0;                // with complete: where the body ends in the input
  std::size_t longest_size_line = 0;  // without its CRLF
  std::size_t trailer_bytes = 0;      // the trailer section with its final CRLF
};

inline ChunkedReading read_chunked(std::string_view in) {
  ChunkedReading out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto control = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  };
  auto result = [&](ChunkedReading::Status status) {
    out.status = status;
    return out;
  };
  std::size_t at = 0;
  for (;;) {
    // chunk-size
    const std::size_t line_start = at;
    std::uint64_t size = 0;
    std::size_t digits = 0;
    while (at < in.size() && hex(in[at]) >= 0) {
      if (++digits > 15) return result(ChunkedReading::malformed);
      size = size * 16 + static_cast<std::uint64_t>(hex(in[at]));
      ++at;
    }
    if (at == in.size()) return result(ChunkedReading::incomplete);
    if (digits == 0) return result(ChunkedReading::malformed);
    // BWS, then an extension or the line's end.
    while (at < in.size() && (in[at] == ' ' || in[at] == '\t')) ++at;
    if (at < in.size() && in[at] == ';') {
      while (at < in.size() && in[at] != '\r') {
        if (control(in[at])) return result(ChunkedReading::malformed);
        ++at;
      }
    }
    if (at == in.size()) return result(ChunkedReading::incomplete);
    if (in[at] != '\r') return result(ChunkedReading::malformed);
    out.longest_size_line = std::max(out.longest_size_line, at - line_start);
    if (++at == in.size()) return result(ChunkedReading::incomplete);
    if (in[at++] != '\n') return result(ChunkedReading::malformed);
    if (size == 0) break;
    // chunk-data CRLF
    if (in.size() - at < size) return result(ChunkedReading::incomplete);
    out.data.append(in.substr(at, static_cast<std::size_t>(size)));
    at += static_cast<std::size_t>(size);
    for (const char expected : {'\r', '\n'}) {
      if (at == in.size()) return result(ChunkedReading::incomplete);
      if (in[at++] != expected) return result(ChunkedReading::malformed);
    }
  }
  // trailer-section CRLF
  const std::size_t trailer_start = at;
  for (;;) {
    const std::size_t line = at;
    while (at < in.size() && in[at] != '\r' && in[at] != '\n') {
      if (in[at] == '\0') return result(ChunkedReading::malformed);
      ++at;
    }
    if (at == in.size()) return result(ChunkedReading::incomplete);
    if (in[at] == '\n') return result(ChunkedReading::malformed);  // a bare LF
    if (++at == in.size()) return result(ChunkedReading::incomplete);
    if (in[at++] != '\n') return result(ChunkedReading::malformed);  // a bare CR
    if (at - line == 2) break;                                       // the empty line
  }
  out.trailer_bytes = at - trailer_start;
  out.end = at;
  return result(ChunkedReading::complete);
}

}  // namespace faultline::fuzz
