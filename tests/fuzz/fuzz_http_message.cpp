// HTTP/1.1 messages read by http/ (find_head_end, parse_head, BodyDecoder): a head found in
// reads whose sizes the input chooses, parsed as a request or a response, then its body
// decoded piece by piece in place. Beyond "no crash":
// - the end of the head is found at the same place however the bytes arrive (resuming
//   with `scanned`), and a head is accepted only with its empty line;
// - an accepted head holds only what RFC 9112 and RFC 9110 allow (token method and field
//   names, no control character in a value, one Host, one framing), says the framing its
//   fields say, and reads the same when written out again; a refusal has its status and
//   a bounded reason;
// - the body decodes to the same bytes however it is split, within the bytes given; a
//   chunked body is accepted exactly when an independent reading of RFC 9112 §7.1 accepts
//   it (the decoder's documented limits aside), with the same data and the same end.
//
// Input: a flags byte (request or response, line limit), four read sizes, then the bytes.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/body_decoder.hpp"
#include "http/head_parser.hpp"
#include "tests/fuzz/chunked_reference.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace http = faultline::http;
using faultline::fuzz::ChunkedReading;

bool is_tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_tchar);
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

bool lower_equals(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() &&
         std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? static_cast<char>(x + 32) : x) == y;
         });
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Where the head ends as the bytes arrive, each read resuming the search where it stopped.
std::size_t find_head_in_reads(std::string_view bytes, const std::array<std::size_t, 4>& reads) {
  std::size_t have = 0, scanned = 0;
  for (std::size_t i = 0; have < bytes.size(); ++i) {
    have = std::min(bytes.size(), have + reads[i % 4]);
    const std::size_t end = http::find_head_end(bytes.substr(0, have), scanned);
    FUZZ_CHECK(end == http::find_head_end(bytes.substr(0, have)));
    if (end != std::string_view::npos) return end;
    scanned = have;
  }
  return std::string_view::npos;
}

void check_accepted(const http::ParsedHead& head, std::string_view text, http::HeadKind kind) {
  FUZZ_CHECK(text.ends_with("\r\n\r\n"));
  FUZZ_CHECK(head.version == 10 || head.version == 11);
  if (kind == http::HeadKind::request) {
    FUZZ_CHECK(is_token(head.method) && within(head.method, text));
    FUZZ_CHECK(!head.target.empty() && within(head.target, text));
    FUZZ_CHECK(head.target.find_first_of(" \t") == std::string_view::npos);
    FUZZ_CHECK(!has_control(head.target));
  } else {
    FUZZ_CHECK(head.status >= 100 && head.status <= 999);
    FUZZ_CHECK(!has_control(head.reason) && within(head.reason, text));
  }
  int hosts = 0;
  bool transfer_encoding = false;
  std::optional<std::string_view> content_length;
  for (const auto& field : head.fields) {
    FUZZ_CHECK(is_token(field.name) && within(field.name, text) && within(field.value, text));
    FUZZ_CHECK(!has_control(field.value));
    FUZZ_CHECK(field.value.empty() || (field.value.front() != ' ' && field.value.front() != '\t' &&
                                       field.value.back() != ' ' && field.value.back() != '\t'));
    hosts += lower_equals(field.name, "host");
    transfer_encoding = transfer_encoding || lower_equals(field.name, "transfer-encoding");
    if (lower_equals(field.name, "content-length")) content_length = field.value;
  }
  FUZZ_CHECK(hosts <= 1 && head.has_host == (hosts == 1));
  FUZZ_CHECK(!(transfer_encoding && content_length));  // RFC 9112 §6.1: never both
  if (transfer_encoding) {
    FUZZ_CHECK(head.framing == http::BodyFraming::chunked);
  } else if (content_length) {
    FUZZ_CHECK(head.framing == http::BodyFraming::length);
    // Equal values may repeat ("5, 5"); the first one is the length.
    const std::string_view first = content_length->substr(0, content_length->find(','));
    std::uint64_t value = 0;
    for (char c : first)
      if (c >= '0' && c <= '9') value = value * 10 + static_cast<std::uint64_t>(c - '0');
    FUZZ_CHECK(head.content_length == value);
  } else {
    FUZZ_CHECK(head.framing == (kind == http::HeadKind::request ? http::BodyFraming::none
                                                                : http::BodyFraming::until_close));
  }
  if (head.close_after)
    FUZZ_CHECK(head.version == 10 && head.framing == http::BodyFraming::chunked);
}

// The head written out again from what was parsed reads the same.
void check_rewritten(const http::ParsedHead& head, http::HeadKind kind) {
  std::string text;
  const std::string version = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  if (kind == http::HeadKind::request) {
    text = std::string(head.method) + " " + std::string(head.target) + " " + version;
  } else {
    text = version + " " + std::to_string(head.status) + " " + std::string(head.reason);
  }
  text += "\r\n";
  for (const auto& field : head.fields) {
    text += std::string(field.name) + ": " + std::string(field.value) + "\r\n";
  }
  text += "\r\n";
  const http::HeadResult again = http::parse_head(text, kind);
  const auto* parsed = std::get_if<http::ParsedHead>(&again);
  FUZZ_CHECK(parsed != nullptr);
  FUZZ_CHECK(parsed->method == head.method && parsed->target == head.target);
  FUZZ_CHECK(parsed->status == head.status && parsed->version == head.version);
  FUZZ_CHECK(parsed->fields.size() == head.fields.size());
  for (std::size_t i = 0; i < head.fields.size(); ++i) {
    FUZZ_CHECK(parsed->fields[i].name == head.fields[i].name);
    FUZZ_CHECK(parsed->fields[i].value == head.fields[i].value);
  }
  FUZZ_CHECK(parsed->framing == head.framing && parsed->content_length == head.content_length);
  FUZZ_CHECK(parsed->keep_alive == head.keep_alive && parsed->close_after == head.close_after);
}

struct Decoded {
  std::string data;
  std::size_t consumed = 0;
  bool done = false, failed = false;
  std::string error;
};

// Decodes `bytes` handed over in reads of the given sizes (cycled), in place, as a relay
// reads into one buffer: what a step did not consume is read again with the next bytes.
Decoded decode(const http::ParsedHead& head, std::string_view bytes, std::size_t line_limit,
               const std::array<std::size_t, 4>& reads) {
  http::BodyDecoder decoder(head.framing, head.content_length, line_limit);
  Decoded out;
  for (std::size_t i = 0; out.consumed < bytes.size() && !decoder.done() && !decoder.failed();
       ++i) {
    // A vector: no terminator past the end, so ASan sees any read beyond what was given.
    const std::string_view piece = bytes.substr(out.consumed, reads[i % 4]);
    std::vector<char> buffer(piece.begin(), piece.end());
    const http::BodyDecoder::Step step = decoder.decode(buffer.data(), buffer.size());
    FUZZ_CHECK(step.consumed <= buffer.size() && step.data <= step.consumed);
    // A step stops early only at the end of the body or at an error.
    if (step.consumed < buffer.size()) FUZZ_CHECK(decoder.done() || decoder.failed());
    out.data.append(buffer.data(), step.data);
    out.consumed += step.consumed;
  }
  if (!decoder.done() && !decoder.failed()) decoder.end_of_input();
  out.done = decoder.done();
  out.failed = decoder.failed();
  out.error = std::string(decoder.error());
  FUZZ_CHECK(out.done != out.failed);
  if (out.failed) FUZZ_CHECK(!out.error.empty());
  return out;
}

void check_body(const http::ParsedHead& head, std::string_view body, std::size_t line_limit,
                const std::array<std::size_t, 4>& reads) {
  const Decoded split = decode(head, body, line_limit, reads);
  const Decoded whole = decode(head, body, line_limit, {body.size() + 1, 1, 1, 1});
  FUZZ_CHECK(split.data == whole.data && split.done == whole.done);
  if (split.done) FUZZ_CHECK(split.consumed == whole.consumed);
  switch (head.framing) {
    case http::BodyFraming::none:
      FUZZ_CHECK(whole.done && whole.data.empty() && whole.consumed == 0);
      break;
    case http::BodyFraming::length:
      FUZZ_CHECK(whole.data == body.substr(0, head.content_length));
      FUZZ_CHECK(whole.done == (body.size() >= head.content_length));
      break;
    case http::BodyFraming::until_close:
      FUZZ_CHECK(whole.done && whole.data == body);
      break;
    case http::BodyFraming::chunked: {
      const ChunkedReading reference = faultline::fuzz::read_chunked(body);
      const bool over_limit = whole.error.find("larger than") != std::string::npos;
      if (reference.status == ChunkedReading::complete) {
        FUZZ_CHECK(whole.done || over_limit);
        if (whole.done) {
          FUZZ_CHECK(whole.data == reference.data && whole.consumed == reference.end);
          FUZZ_CHECK(reference.longest_size_line <= line_limit);
          // Every trailer byte counts but the final LF.
          FUZZ_CHECK(reference.trailer_bytes <= line_limit + 1);
        } else {
          FUZZ_CHECK(reference.longest_size_line > line_limit ||
                     reference.trailer_bytes > line_limit + 1);
        }
      } else {
        // Malformed or cut short: never a complete body.
        FUZZ_CHECK(whole.failed);
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const http::HeadKind kind = (flags & 1) ? http::HeadKind::response : http::HeadKind::request;
  const std::size_t line_limit = (flags & 2) ? 16 : 16384;
  std::array<std::size_t, 4> reads;
  for (auto& read : reads) read = 1 + input.byte() % 64;
  const std::string_view bytes = input.rest();

  const std::size_t end = find_head_in_reads(bytes, reads);
  if (end == std::string_view::npos) return 0;
  FUZZ_CHECK(end <= bytes.size());
  const std::string_view text = bytes.substr(0, end);
  FUZZ_CHECK(text.ends_with("\n\n") || text.ends_with("\n\r\n"));

  // A head without its empty line is never accepted.
  const std::string_view cut = text.substr(0, text.size() - (text.ends_with("\r\n") ? 2 : 1));
  FUZZ_CHECK(std::holds_alternative<http::HeadError>(http::parse_head(cut, kind)));

  const http::HeadResult result = http::parse_head(text, kind);
  if (const auto* error = std::get_if<http::HeadError>(&result)) {
    FUZZ_CHECK(error->status == 400 || error->status == 501 || error->status == 505);
    FUZZ_CHECK(!error->reason.empty() && error->reason.size() <= 256);
    return 0;
  }
  const auto& head = std::get<http::ParsedHead>(result);
  std::size_t leading = 0;  // empty lines before a request line are skipped (RFC 9112 §2.2)
  while (text.substr(leading, 2) == "\r\n") leading += 2;
  check_accepted(head, text.substr(leading), kind);
  check_rewritten(head, kind);
  check_body(head, bytes.substr(end), line_limit, reads);
  return 0;
}
