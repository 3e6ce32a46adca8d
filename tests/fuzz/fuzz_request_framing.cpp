// A client's request as the proxy reads and forwards it, without sockets: the same parser
// settings, target check, head writer (proxy/message_writer.hpp) and body framing as the
// client session, over bytes that arrive in pieces whose sizes the input chooses. The
// verdict is either the bytes that would go upstream, or the status the proxy answers.
//
// Input: a flags byte (limits, piece size), four read sizes, then what the client sends.
// Properties, beyond "no crash":
// - what is forwarded parses, by a second strict parser, as exactly one message, with the
//   client's method, the origin-form target and the very body the client sent;
// - no hop-by-hop field (RFC 9110 §7.6.1) and no client framing field goes upstream;
// - a request refused at its head sends nothing upstream; one whose body turns out bad or
//   too large has sent only an incomplete message (the session closes that connection);
// - a forwarded head was within twice max_header_bytes (see the check for why twice).
//
// This mirrors ClientSession::serve_one (proxy/client_session.cpp) and relay_request_body
// (proxy/upstream_exchange.cpp) step by step; when the session's reading changes, this
// target follows it.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/message_writer.hpp"
#include "proxy/request_target.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using faultline::proxy::Framing;

// The client's bytes, handed out one read at a time.
class Client {
 public:
  Client(std::string_view bytes, const std::size_t (&reads)[4]) : bytes_(bytes), reads_(reads) {}
  // Appends the next read to `buffer`; false at the end of the stream.
  bool read(std::string& buffer) {
    if (bytes_.empty()) return false;
    const std::size_t take = std::min(reads_[count_++ % 4], bytes_.size());
    buffer.append(bytes_.substr(0, take));
    bytes_.remove_prefix(take);
    return true;
  }

 private:
  std::string_view bytes_;
  const std::size_t (&reads_)[4];
  std::size_t count_ = 0;
};

struct Verdict {
  unsigned status = 0;       // 0: forwarded (or the client left before a whole head)
  bool body_failed = false;  // the body went bad after the head was forwarded
  std::string upstream;      // the bytes sent upstream
  std::string body;          // the body bytes the parser delivered
  std::size_t head_bytes = 0;
};

// Puts buffered bytes into the parser, reading more as it needs; returns the first error
// that is not need_more (need_buffer included), or {} when the parser is done.
error_code pump(http::request_parser<http::buffer_body>& parser, std::string& buffer,
                Client& client, bool header_only, std::size_t* consumed = nullptr) {
  for (int round = 0; round < 1 << 20; ++round) {
    if (parser.is_done() || (header_only && parser.is_header_done())) return {};
    error_code ec;
    if (buffer.empty() && !client.read(buffer)) {
      parser.put_eof(ec);
      return ec ? ec : error_code(http::error::end_of_stream);
    }
    const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    if (consumed != nullptr) *consumed += used;
    if (ec == http::error::need_more) {
      if (!client.read(buffer)) {
        parser.put_eof(ec);
        return ec ? ec : error_code(http::error::end_of_stream);
      }
      continue;
    }
    if (ec) return ec;
  }
  FUZZ_CHECK(false);  // the parser made no progress
  return {};
}

Verdict serve(std::string_view bytes, const std::size_t (&reads)[4], std::size_t max_header_bytes,
              std::uint64_t max_body_bytes, std::size_t piece_size) {
  Verdict verdict;
  Client client(bytes, reads);
  std::string buffer;
  http::request_parser<http::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
  if (const error_code ec = pump(parser, buffer, client, true, &verdict.head_bytes)) {
    verdict.status = ec == http::error::header_limit    ? 431
                     : ec == http::error::body_limit    ? 413
                     : ec == http::error::end_of_stream ? 0
                                                        : 400;
    return verdict;
  }
  auto& request = parser.get();
  const auto target = faultline::proxy::parse_request_target(request.target());
  if (!target) {
    verdict.status = 400;
    return verdict;
  }
  if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
    verdict.status = 400;
    return verdict;
  }
  const std::string original_host =
      target->authority.empty() ? std::string(request[http::field::host]) : target->authority;
  const Framing framing{parser.chunked(), parser.content_length() ? std::optional<std::uint64_t>(
                                                                        *parser.content_length())
                                                                  : std::nullopt};
  const faultline::proxy::ForwardingInfo forwarding{"127.0.0.1", original_host, request.version(),
                                                    original_host.empty()
                                                        ? std::string_view("upstream.test:80")
                                                        : std::string_view(original_host)};
  faultline::proxy::write_request_head(request, target->origin_form, forwarding, framing,
                                       verdict.upstream);

  // The body, piece by piece, as relay_request_body frames it.
  faultline::proxy::BodyFramer framer(framing.chunked);
  std::string piece(piece_size, '\0');
  bool last = parser.is_done();
  while (!last) {
    request.body().data = piece.data();
    request.body().size = piece.size();
    error_code ec = pump(parser, buffer, client, false);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      verdict.status = ec == http::error::body_limit ? 413 : 400;
      verdict.body_failed = true;
      return verdict;
    }
    const std::string_view received(piece.data(), piece.size() - request.body().size);
    verdict.body.append(received);
    last = parser.is_done();
    faultline::proxy::BodyFramer::Buffers wire;
    const std::size_t count = framer.frame(received, last, wire, 0);
    for (std::size_t i = 0; i < count; ++i) {
      verdict.upstream.append(static_cast<const char*>(wire[i].data()), wire[i].size());
    }
  }
  return verdict;
}

// What the upstream makes of the bytes: a complete message, or how far it got.
struct UpstreamView {
  bool complete = false;
  std::size_t consumed = 0;
  std::optional<http::request<http::string_body>> message;
};

UpstreamView read_as_upstream(const std::string& bytes) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(1u << 30);
  // No body is longer than the bytes there are (string_body reserves Content-Length).
  parser.body_limit(bytes.size());
  error_code ec;
  UpstreamView view;
  view.consumed = parser.put(boost::asio::buffer(bytes), ec);
  // Never malformed; at worst unfinished (a body longer than what was sent is too).
  FUZZ_CHECK(!ec || ec == http::error::need_more || ec == http::error::body_limit);
  view.complete = parser.is_done();
  if (view.complete) view.message = parser.release();
  return view;
}

constexpr http::field kHopByHop[] = {http::field::connection, http::field::keep_alive,
                                     http::field::proxy_connection, http::field::te,
                                     http::field::upgrade};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const std::size_t max_header_bytes = (flags & 1) ? 256 : 16384;
  const std::uint64_t max_body_bytes = (flags & 2) ? 100 : 64ull << 20;
  const std::size_t piece_size = (flags & 4) ? 7 : 4096;
  std::size_t reads[4];
  for (auto& read : reads) read = 1 + input.byte() % 128;
  const std::string_view client_bytes = input.rest();

  const Verdict verdict = serve(client_bytes, reads, max_header_bytes, max_body_bytes, piece_size);
  if (verdict.status != 0 && !verdict.body_failed) {
    FUZZ_CHECK(verdict.upstream.empty());  // refused at the head: the upstream saw nothing
    return 0;
  }
  if (verdict.upstream.empty()) return 0;  // the client left before a whole head

  // Memory stays bounded by the limit. (Beast applies header_limit to the request line and
  // to the fields separately, so a head may reach twice max_header_bytes.)
  FUZZ_CHECK(verdict.head_bytes <= 2 * max_header_bytes);
  const UpstreamView view = read_as_upstream(verdict.upstream);
  if (verdict.body_failed) {
    FUZZ_CHECK(!view.complete);  // half a request never looks whole
    return 0;
  }
  // Forwarded: exactly one message, and all of it.
  FUZZ_CHECK(view.complete);
  FUZZ_CHECK(view.consumed == verdict.upstream.size());
  const auto& forwarded = *view.message;
  FUZZ_CHECK(forwarded.body() == verdict.body);
  for (const auto field : kHopByHop) FUZZ_CHECK(forwarded.find(field) == forwarded.end());
  FUZZ_CHECK(forwarded.count(http::field::transfer_encoding) <= 1);
  FUZZ_CHECK(forwarded.count(http::field::content_length) <= 1);
  FUZZ_CHECK(!(forwarded.count(http::field::transfer_encoding) &&
               forwarded.count(http::field::content_length)));
  // The client's Host goes on unchanged (the session does not refuse a second one yet).
  FUZZ_CHECK(forwarded.count(http::field::host) >= 1);

  // Method and target as the client's parser saw them.
  http::request_parser<http::buffer_body> again;
  again.header_limit(1u << 30);
  error_code ec;
  again.put(boost::asio::buffer(client_bytes.data(), client_bytes.size()), ec);
  if (again.is_header_done()) {
    FUZZ_CHECK(forwarded.method_string() == again.get().method_string());
    const auto target = faultline::proxy::parse_request_target(again.get().target());
    FUZZ_CHECK(target && forwarded.target() == target->origin_form);
  }
  return 0;
}
