// An upstream's response as the proxy reads and relays it: the session's own socket reads
// (proxy/wire_io.hpp) over a real socket fed in pieces whose sizes the input chooses, its
// own decisions (message_rules.hpp: admit_response_head, response_is_bodyless;
// exchange_rules.hpp: frame_response) and its own writers (message_writer.hpp), called in
// the order ClientSession::forward_interim_responses and relay_response call them when no
// fault is planned.
//
// Input: a flags byte (HEAD request, client HTTP/1.0 or 1.1, piece size), four piece sizes,
// then what the upstream sends (and then closes).
// Properties, beyond "no crash" and "no hang":
// - what reaches the client parses, by a second parser (Beast's), as the interim responses
//   (none for an HTTP/1.0 client) then exactly one final response, with the upstream's
//   status and the body an independent reading of its bytes finds (RFC 9112 §6.3, §7.1);
// - a response the upstream cut short never looks complete to the client (unless it is
//   delimited by the close), and one that reading accepts is relayed whole;
// - no hop-by-hop field of the upstream's (RFC 9110 §7.6.1) reaches the client, and the
//   framing is the proxy's own: one Content-Length or chunked, never both;
// - a connection kept for reuse has nothing of this response left in it.
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/exchange_rules.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/session_io.hpp"
#include "proxy/wire_io.hpp"
#include "tests/fuzz/chunked_reference.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/socket_feed.hpp"

namespace {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
namespace http = faultline::http;
namespace proxy = faultline::proxy;
using boost::system::error_code;

struct Relay {
  bool finished = false;
  bool header_sent = false;  // the final head went to the client
  bool complete = false;     // the whole response went to the client
  bool failed = false;       // the upstream's response was bad or cut short
  bool reusable = false;     // the connection would go back to the pool
  unsigned status = 0;
  std::size_t interim = 0;                               // interim heads passed on
  std::size_t final_head_start = 0, final_head_end = 0;  // where it lies in the bytes
  std::string client;                                    // what the client received
  std::string leftover;                                  // read past the response
  proxy::Framing framing;
};

asio::awaitable<void> relay(faultline::net::ByteStream& upstream, bool head_request,
                            unsigned client_version, std::size_t piece_size, Relay& out) {
  boost::beast::flat_buffer buffer;
  proxy::Clock::time_point deadline = proxy::Clock::time_point::max();
  const auto forever = std::chrono::hours(1);
  std::string head;
  proxy::UpstreamHead final_head;
  std::size_t read_so_far = 0;
  for (;;) {
    const proxy::HeadRead read = co_await proxy::read_head(
        upstream, buffer, proxy::kMaxUpstreamHeaderBytes, deadline, proxy::Clock::now() + forever);
    if (read.too_large || read.error) {
      out.failed = out.finished = true;  // 502 or 504 from the proxy
      co_return;
    }
    const std::string_view text(static_cast<const char*>(buffer.data().data()), read.size);
    proxy::ResponseAdmission admission = proxy::admit_response_head(text, head_request);
    buffer.consume(read.size);
    out.final_head_start = read_so_far;
    read_so_far += read.size;
    if (!admission.protocol_error.empty()) {
      out.failed = out.finished = true;
      co_return;
    }
    final_head = std::move(admission.upstream);
    if (!admission.interim) break;
    if (client_version < 11) continue;
    proxy::write_response_head(final_head.head, proxy::Framing{}, proxy::ConnectionDirective::none,
                               head);
    out.client += head;
    ++out.interim;
  }
  out.final_head_end = read_so_far;
  auto& response = final_head.head;
  out.status = response.result_int();
  if (out.status == 101) {
    out.failed = out.finished = true;  // an upgrade was never asked for
    co_return;
  }
  const bool bodyless = proxy::response_is_bodyless(head_request, out.status);
  const proxy::ResponseFraming framing =
      proxy::frame_response(client_version, bodyless, final_head.declared_length, true, false);
  out.framing = framing.framing;
  proxy::write_response_head(response, framing.framing, framing.connection, head);

  // As relay_response: the head alone when no body came with it, then the body's pieces.
  static proxy::RelayBuffers buffers;  // reused, as a worker's are
  proxy::BorrowedBuffer piece(buffers);
  proxy::BodyFramer framer(framing.framing.chunked);
  http::BodyDecoder& decoder = final_head.body;
  const bool relay_upstream_body = !bodyless;
  bool last = false;
  while (!last) {
    std::string_view received;
    std::size_t consume_after_write = 0;
    if (!decoder.done()) {
      if (!out.header_sent && buffer.size() == 0 && relay_upstream_body) {
        out.client += head;
        out.header_sent = true;
      }
      const proxy::BodyPiece body = co_await proxy::read_body_piece(
          upstream, buffer, decoder, piece, piece_size, deadline, forever);
      if (body.error || !body.framing_error.empty()) {
        out.failed = out.finished = true;  // the client connection closes here
        co_return;
      }
      received = std::string_view(body.data, body.size);
      consume_after_write = body.buffered_bytes;
    }
    last = decoder.done();
    if (!relay_upstream_body) {
      buffer.consume(consume_after_write);
      consume_after_write = 0;
      if (!last) continue;
      received = {};
    }
    proxy::BodyFramer::Buffers wire;
    std::size_t count = 0;
    if (!out.header_sent) wire[count++] = asio::buffer(head);
    count = bodyless ? count : framer.frame(received, last, wire, count);
    for (std::size_t i = 0; i < count; ++i) {
      out.client.append(static_cast<const char*>(wire[i].data()), wire[i].size());
    }
    buffer.consume(consume_after_write);
    if (count != 0) out.header_sent = true;
  }
  out.complete = true;
  out.reusable = final_head.reusable && decoder.done();
  out.leftover.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
  out.finished = true;
}

struct ClientView {
  bool complete = false;
  std::size_t consumed = 0;
  std::size_t interim = 0;
  std::optional<beast_http::response<beast_http::string_body>> message;
};

// The client's reading: interim heads, then one final response (then the close).
ClientView read_as_client(const std::string& bytes, bool head_request) {
  ClientView view;
  std::string_view rest(bytes);
  for (;;) {
    beast_http::response_parser<beast_http::string_body> parser;
    parser.eager(true);
    parser.header_limit(1u << 30);
    // No body is longer than the bytes there are (string_body reserves Content-Length).
    parser.body_limit(rest.size());
    if (head_request) parser.skip(true);
    error_code ec;
    const std::size_t used = parser.put(asio::buffer(rest.data(), rest.size()), ec);
    // Never malformed; at worst unfinished (a body longer than what was sent is too).
    FUZZ_CHECK(!ec || ec == beast_http::error::need_more || ec == beast_http::error::body_limit);
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

// The body as an independent reading of the upstream's bytes after the final head finds it.
struct ReferenceBody {
  bool complete = false;
  bool within_limits = true;
  std::string data;
  std::size_t end = 0;
};

ReferenceBody reference_body(std::string_view after_head, const proxy::UpstreamHead& fresh) {
  ReferenceBody body;
  switch (fresh.body.framing()) {
    case http::BodyFraming::none:
      body.complete = true;
      break;
    case http::BodyFraming::length:
      body.complete = after_head.size() >= fresh.body.remaining();
      body.data = after_head.substr(0, static_cast<std::size_t>(fresh.body.remaining()));
      body.end = body.data.size();
      break;
    case http::BodyFraming::chunked: {
      const auto reading = faultline::fuzz::read_chunked(after_head);
      body.complete = reading.status == faultline::fuzz::ChunkedReading::complete;
      body.data = reading.data;
      body.end = reading.end;
      body.within_limits = reading.longest_size_line <= proxy::kMaxUpstreamHeaderBytes &&
                           reading.trailer_bytes <= proxy::kMaxUpstreamHeaderBytes + 1;
      break;
    }
    case http::BodyFraming::until_close:
      body.complete = true;
      body.data = after_head;
      body.end = after_head.size();
      break;
  }
  return body;
}

constexpr beast_http::field kHopByHop[] = {beast_http::field::keep_alive,
                                           beast_http::field::proxy_connection,
                                           beast_http::field::te, beast_http::field::upgrade};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static asio::io_context io;
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const bool head_request = flags & 1;
  const unsigned client_version = (flags & 2) ? 10 : 11;
  const std::size_t piece_size = (flags & 4) ? 5 : proxy::RelayBuffers::kSize;
  std::array<std::size_t, 4> pieces;
  for (auto& piece : pieces) piece = 1 + input.byte() % 128;
  const std::string_view upstream_bytes = input.rest();

  Relay result;
  std::string unread;
  {
    faultline::fuzz::SocketFeed feed(io, upstream_bytes, pieces);
    asio::co_spawn(io, relay(feed.stream(), head_request, client_version, piece_size, result),
                   asio::detached);
    feed.run([&] { return result.finished; });
    unread = feed.unread();
  }

  const ClientView view = read_as_client(result.client, head_request);
  if (!result.header_sent) {
    // Only interim heads went out; the proxy answers 502 itself after them.
    FUZZ_CHECK(result.failed);
    FUZZ_CHECK(!view.complete && view.consumed == result.client.size());
    FUZZ_CHECK(view.interim == result.interim);
    return 0;
  }
  FUZZ_CHECK(client_version >= 11 || view.interim == 0);  // HTTP/1.0 knows no 1xx

  // The final head again, for the reference reading of its body.
  const proxy::ResponseAdmission again = proxy::admit_response_head(
      upstream_bytes.substr(result.final_head_start,
                            result.final_head_end - result.final_head_start),
      head_request);
  FUZZ_CHECK(again.protocol_error.empty() && !again.interim);
  const ReferenceBody reference =
      reference_body(upstream_bytes.substr(result.final_head_end), again.upstream);

  const bool close_delimited = !result.framing.chunked && !result.framing.content_length;
  if (result.failed) {
    // Cut short or broken: the client can tell (only a close-delimited body cannot), and
    // only a body the reference reading finds broken, cut short or over a limit fails.
    if (!close_delimited) FUZZ_CHECK(!view.complete);
    FUZZ_CHECK(!reference.complete || !reference.within_limits);
    return 0;
  }
  FUZZ_CHECK(result.complete && reference.complete);
  FUZZ_CHECK(view.complete);
  FUZZ_CHECK(view.consumed == result.client.size());
  FUZZ_CHECK(view.interim == result.interim);
  const auto& relayed = *view.message;
  FUZZ_CHECK(relayed.result_int() == result.status);
  if (!head_request) FUZZ_CHECK(relayed.body() == reference.data);
  for (const auto field : kHopByHop) FUZZ_CHECK(relayed.find(field) == relayed.end());
  FUZZ_CHECK(relayed.count(beast_http::field::transfer_encoding) <= 1);
  FUZZ_CHECK(relayed.count(beast_http::field::content_length) <= 1);
  FUZZ_CHECK(!(relayed.count(beast_http::field::transfer_encoding) &&
               relayed.count(beast_http::field::content_length)));
  // A connection kept for the next request holds exactly what followed this response.
  if (result.reusable) {
    FUZZ_CHECK(result.leftover + unread ==
               upstream_bytes.substr(result.final_head_end + reference.end));
  }
  return 0;
}
