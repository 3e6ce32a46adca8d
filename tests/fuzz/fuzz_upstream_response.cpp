// An upstream's response as the proxy reads and relays it, without sockets: the same
// parser settings, interim-response handling, head writer (proxy/message_writer.hpp) and
// body framing as the client session, over bytes that arrive in pieces whose sizes the
// input chooses.
//
// Input: a flags byte (HEAD request, client HTTP/1.0 or 1.1, piece size), four read sizes,
// then what the upstream sends (and then closes).
// Properties, beyond "no crash":
// - what reaches the client parses, by a second strict parser, as the interim responses
//   then exactly one final response, with the status and the very body the upstream sent;
// - a response the upstream cut short never looks complete to an HTTP/1.1 client;
// - no hop-by-hop field of the upstream's (RFC 9110 §7.6.1) reaches the client, and the
//   framing is the proxy's own: one Content-Length or chunked, never both.
//
// This mirrors ClientSession::forward_interim_responses and relay_response
// (proxy/response_relay.cpp) step by step, with the same pure framing decision
// (frame_response, proxy/exchange_rules.hpp); when the relay changes, this target follows.
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

#include "proxy/exchange_rules.hpp"
#include "proxy/message_writer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using faultline::proxy::ConnectionDirective;
using faultline::proxy::Framing;

constexpr std::uint32_t kMaxUpstreamHeaderBytes = 64 * 1024;  // as the session's

class Upstream {
 public:
  Upstream(std::string_view bytes, const std::size_t (&reads)[4]) : bytes_(bytes), reads_(reads) {}
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

struct Relay {
  bool header_sent = false;  // the final head went to the client
  bool complete = false;     // the whole response went to the client
  bool failed = false;       // the upstream's response was bad or cut short
  unsigned status = 0;
  std::string client;  // what the client received
  std::string body;    // the body bytes the parser delivered
  Framing framing;
};

error_code pump(http::response_parser<http::buffer_body>& parser, std::string& buffer,
                Upstream& upstream, bool header_only) {
  for (int round = 0; round < 1 << 20; ++round) {
    if (parser.is_done() || (header_only && parser.is_header_done())) return {};
    error_code ec;
    if (buffer.empty() && !upstream.read(buffer)) {
      parser.put_eof(ec);
      if (!ec && parser.is_done()) return {};
      return ec ? ec : error_code(http::error::end_of_stream);
    }
    const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    if (ec == http::error::need_more) {
      if (!upstream.read(buffer)) {
        parser.put_eof(ec);
        if (!ec && parser.is_done()) return {};
        return ec ? ec : error_code(http::error::end_of_stream);
      }
      continue;
    }
    if (ec) return ec;
  }
  FUZZ_CHECK(false);  // the parser made no progress
  return {};
}

void append(std::string& out, const faultline::proxy::BodyFramer::Buffers& wire,
            std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    out.append(static_cast<const char*>(wire[i].data()), wire[i].size());
  }
}

Relay relay(std::string_view bytes, const std::size_t (&reads)[4], bool head_request,
            unsigned client_version, std::size_t piece_size) {
  Relay relay;
  Upstream upstream(bytes, reads);
  std::string buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  std::string head;
  for (;;) {
    parser.emplace();
    parser->header_limit(kMaxUpstreamHeaderBytes);
    parser->body_limit(boost::none);
    if (head_request) parser->skip(true);
    if (pump(*parser, buffer, upstream, true)) {
      relay.failed = true;  // 502 or 504 from the proxy
      return relay;
    }
    const unsigned status = parser->get().result_int();
    if (status < 100 || status >= 200 || status == 101) break;
    faultline::proxy::write_response_head(parser->get(), Framing{}, ConnectionDirective::none,
                                          head);
    relay.client += head;
  }
  auto& response = parser->get();
  relay.status = response.result_int();
  if (relay.status == 101) {
    relay.failed = true;  // an upgrade was never asked for
    return relay;
  }
  const bool bodyless = head_request || relay.status == 204 || relay.status == 304;
  const faultline::proxy::ResponseFraming out = faultline::proxy::frame_response(
      client_version, bodyless,
      parser->content_length() ? std::optional<std::uint64_t>(*parser->content_length())
                               : std::nullopt,
      true, false);
  const Framing framing = out.framing;
  const ConnectionDirective connection = out.connection;
  relay.framing = framing;
  faultline::proxy::write_response_head(response, framing, connection, head);
  if (bodyless) {
    relay.client += head;
    relay.header_sent = relay.complete = true;
    return relay;
  }
  faultline::proxy::BodyFramer framer(framing.chunked);
  std::string piece(piece_size, '\0');
  bool last = false;
  while (!last) {
    std::string_view received;
    if (!parser->is_done()) {
      response.body().data = piece.data();
      response.body().size = piece.size();
      error_code ec = pump(*parser, buffer, upstream, false);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        relay.failed = true;  // the client connection closes here
        return relay;
      }
      received = std::string_view(piece.data(), piece.size() - response.body().size);
    }
    relay.body.append(received);
    last = parser->is_done();
    faultline::proxy::BodyFramer::Buffers wire;
    std::size_t count = 0;
    if (!relay.header_sent) wire[count++] = boost::asio::buffer(head);
    count = framer.frame(received, last, wire, count);
    if (count == 0) continue;
    append(relay.client, wire, count);
    relay.header_sent = true;
  }
  relay.complete = true;
  return relay;
}

struct ClientView {
  bool complete = false;
  std::size_t consumed = 0;
  unsigned interim = 0;
  std::optional<http::response<http::string_body>> message;
};

// The client's reading: interim heads, then one final response (then the close).
ClientView read_as_client(const std::string& bytes, bool head_request) {
  ClientView view;
  std::string_view rest(bytes);
  for (;;) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(1u << 30);
    // No body is longer than the bytes there are (string_body reserves Content-Length).
    parser.body_limit(rest.size());
    if (head_request) parser.skip(true);
    error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    // Never malformed; at worst unfinished (a body longer than what was sent is too).
    FUZZ_CHECK(!ec || ec == http::error::need_more || ec == http::error::body_limit);
    view.consumed += used;
    rest.remove_prefix(used);
    if (parser.is_header_done() && parser.get().result_int() / 100 == 1) {
      FUZZ_CHECK(parser.is_done());
      ++view.interim;
      continue;
    }
    if (!parser.is_done() && parser.is_header_done() && rest.empty()) {
      parser.put_eof(ec);  // the proxy closes the connection after the last byte
      if (ec) return view;
    }
    view.complete = parser.is_done();
    if (view.complete) view.message = parser.release();
    return view;
  }
}

constexpr http::field kHopByHop[] = {http::field::keep_alive, http::field::proxy_connection,
                                     http::field::te, http::field::upgrade};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const bool head_request = flags & 1;
  const unsigned client_version = (flags & 2) ? 10 : 11;
  const std::size_t piece_size = (flags & 4) ? 5 : 4096;
  std::size_t reads[4];
  for (auto& read : reads) read = 1 + input.byte() % 128;
  const std::string_view upstream_bytes = input.rest();

  const Relay result = relay(upstream_bytes, reads, head_request, client_version, piece_size);
  const ClientView view = read_as_client(result.client, head_request);
  if (!result.header_sent) {
    // Only interim heads went out; the proxy answers 502 itself after them.
    FUZZ_CHECK(!view.complete && view.consumed == result.client.size());
    return 0;
  }
  const bool close_delimited = !result.framing.chunked && !result.framing.content_length;
  if (result.failed) {
    // Cut short: an HTTP/1.1 client can tell (only a close-delimited body cannot).
    if (!close_delimited) FUZZ_CHECK(!view.complete);
    return 0;
  }
  FUZZ_CHECK(result.complete);
  FUZZ_CHECK(view.complete);
  FUZZ_CHECK(view.consumed == result.client.size());
  const auto& relayed = *view.message;
  FUZZ_CHECK(relayed.result_int() == result.status);
  if (!head_request) FUZZ_CHECK(relayed.body() == result.body);
  for (const auto field : kHopByHop) FUZZ_CHECK(relayed.find(field) == relayed.end());
  FUZZ_CHECK(relayed.count(http::field::transfer_encoding) <= 1);
  FUZZ_CHECK(relayed.count(http::field::content_length) <= 1);
  FUZZ_CHECK(!(relayed.count(http::field::transfer_encoding) &&
               relayed.count(http::field::content_length)));
  return 0;
}
