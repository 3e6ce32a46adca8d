// The load generator's response parser (loadgen/response_parser.hpp) on any bytes, fed in
// pieces whose sizes the input chooses. Beyond "no crash":
// - it never consumes more bytes than it was given;
// - the split into reads does not change the outcome (status, keep-alive, bytes used);
// - a reset parser behaves like a new one (it is reused across keep-alive responses);
// - a response it calls complete ends where its framing says: the head, then exactly
//   Content-Length bytes, or the chunks up to the last chunk and the trailer section.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/response_parser.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using faultline::loadgen::ResponseParser;
using Result = ResponseParser::Result;

struct Outcome {
  Result result = Result::need_more;
  int status = 0;
  bool keep_alive = false;
  std::size_t consumed = 0;
  bool operator==(const Outcome&) const = default;
};

// Feeds `bytes` in pieces of the given sizes (cycled), stopping when the parser does.
Outcome parse(ResponseParser& parser, std::string_view bytes, bool head_request, bool eof,
              const std::vector<std::size_t>& pieces) {
  parser.reset(head_request);
  Outcome outcome;
  std::size_t fed = 0;
  for (std::size_t i = 0; fed < bytes.size(); ++i) {
    const std::size_t take = std::min(pieces[i % pieces.size()], bytes.size() - fed);
    outcome.result = parser.feed(bytes.data() + fed, take);
    fed += take;
    FUZZ_CHECK(parser.consumed() <= fed);
    if (outcome.result != Result::need_more) break;
  }
  if (outcome.result == Result::need_more && eof) outcome.result = parser.feed_eof();
  outcome.status = parser.status();
  outcome.keep_alive = parser.keep_alive();
  outcome.consumed = parser.consumed();
  FUZZ_CHECK(outcome.consumed <= bytes.size());
  return outcome;
}

// ---- an independent reading of where a complete response ends, on the whole input ----

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// Optional whitespace (RFC 9110 §5.6.3) off both ends.
std::string_view ows_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A line's content as the parser reads it: without its line end (the CRs and LFs at the
// very end), then without the whitespace around it. "\r \n" is not an empty line.
std::string_view content(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return ows_trim(s);
}

struct Head {
  int status = 0;
  bool transfer_encoding = false;
  bool chunked = false;  // the last transfer coding is chunked
  std::optional<std::uint64_t> length;
};

// The fields of a head (the bytes before its blank line), as far as framing goes.
Head read_head(std::string_view head) {
  Head out;
  const std::string_view status_line = content(head.substr(0, head.find('\n')));
  std::from_chars(status_line.data() + 9, status_line.data() + 12, out.status);
  std::size_t at = head.find('\n');
  while (at != std::string_view::npos && at + 1 < head.size()) {
    const std::size_t next = head.find('\n', at + 1);
    const std::string_view field =
        head.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
    at = next;
    if (field.empty() || field == "\r") break;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = content(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      std::from_chars(value.data(), value.data() + value.size(), n);
      out.length = n;
    } else if (iequals(name, "transfer-encoding")) {
      const std::size_t comma = value.rfind(',');
      out.transfer_encoding = true;
      out.chunked = iequals(
          ows_trim(comma == std::string_view::npos ? value : value.substr(comma + 1)), "chunked");
    }
  }
  return out;
}

// Where the chunked body starting at `at` ends (after the trailer section), if it does.
std::optional<std::size_t> chunked_end(std::string_view bytes, std::size_t at) {
  for (;;) {
    const std::size_t eol = bytes.find('\n', at);
    if (eol == std::string_view::npos) return std::nullopt;
    const std::string_view size_text =
        content(bytes.substr(at, eol - at).substr(0, bytes.substr(at, eol - at).find(';')));
    std::uint64_t size = 0;
    std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    at = eol + 1;
    if (size == 0) break;
    if (size > bytes.size() - at) return std::nullopt;
    at += size;
    const std::size_t crlf = bytes.find('\n', at);
    if (crlf == std::string_view::npos) return std::nullopt;
    at = crlf + 1;
  }
  for (;;) {  // trailer lines up to an empty one
    const std::size_t eol = bytes.find('\n', at);
    if (eol == std::string_view::npos) return std::nullopt;
    const bool empty = content(bytes.substr(at, eol - at)).empty();
    at = eol + 1;
    if (empty) return at;
  }
}

// Where the response ends by its framing; nullopt for a close-delimited body.
std::optional<std::size_t> framed_end(std::string_view bytes, bool head_request) {
  std::size_t at = 0;
  for (;;) {
    const std::size_t blank = bytes.find("\r\n\r\n", at);
    FUZZ_CHECK(blank != std::string_view::npos);  // a complete response has a complete head
    const Head head = read_head(bytes.substr(at, blank + 2 - at));
    at = blank + 4;
    if (head.status < 200) continue;  // interim: the final response follows
    if (head_request || head.status == 204 || head.status == 304) return at;
    // RFC 9112 §6.3: both framings at once may be smuggling; such a response is an error.
    FUZZ_CHECK(!(head.transfer_encoding && head.length));
    if (head.chunked) return chunked_end(bytes, at);
    if (head.transfer_encoding) return std::nullopt;  // another coding: ends at the close
    if (head.length) return at + *head.length;
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const bool head_request = flags & 1;
  const bool eof = flags & 2;
  std::vector<std::size_t> pieces;
  for (int i = 0; i < 4; ++i) pieces.push_back(1 + input.byte() % 64);
  const std::string_view bytes = input.rest();

  ResponseParser parser;
  const Outcome split = parse(parser, bytes, head_request, eof, pieces);
  // The same parser again, reset, with everything in one read: the same outcome.
  const Outcome whole = parse(parser, bytes, head_request, eof, {bytes.size() + 1});
  FUZZ_CHECK(split == whole);

  if (whole.result == Result::done) {
    FUZZ_CHECK(whole.status >= 200 && whole.status <= 999);
    const std::optional<std::size_t> end =
        framed_end(bytes.substr(0, whole.consumed), head_request);
    if (end) {
      FUZZ_CHECK(*end == whole.consumed);
    } else {
      // Close-delimited: complete only at the end of the stream, and never kept alive.
      FUZZ_CHECK(eof && whole.consumed == bytes.size());
      FUZZ_CHECK(!whole.keep_alive);
    }
  }
  if (whole.result == Result::error) FUZZ_CHECK(!whole.keep_alive && !parser.error().empty());
  return 0;
}
