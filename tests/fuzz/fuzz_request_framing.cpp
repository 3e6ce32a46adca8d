// A client's request as the proxy reads and forwards it: the session's own socket reads
// (proxy/wire_io.hpp: read_head, read_body_piece) over a real socket fed in pieces whose
// sizes the input chooses, its own decisions (message_rules.hpp: admit_request_head,
// refuse_request_body) and its own writers (message_writer.hpp), called in the order
// ClientSession::serve_one and relay_request_body call them. The verdict is either the bytes
// that would go upstream, or the status the proxy answers.
//
// Input: a flags byte (limits, piece size), four piece sizes, then what the client sends.
// Properties, beyond "no crash" and "no hang":
// - what is forwarded parses, by a second parser (Beast's), as exactly one message with the
//   client's method and the origin-form target, no hop-by-hop field (RFC 9110 §7.6.1) and
//   one framing of the proxy's own;
// - its body is what an independent reading of the client's bytes finds (RFC 9112 §6.3,
//   §7.1), and what follows the body stays unread for the next request;
// - a body that reading accepts within the limits is never refused;
// - a request refused at its head sends nothing upstream; one whose body turns out bad or
//   too large has sent only an incomplete message (the session closes that connection).
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
namespace proxy = faultline::proxy;
using boost::system::error_code;

struct Limits {
  std::size_t max_header_bytes;
  std::uint64_t max_body_bytes;
  std::size_t piece_size;  // the relay buffer's share a read may fill
};

struct Verdict {
  bool finished = false;
  unsigned status = 0;       // 0: forwarded (or the client left before a whole head)
  bool body_failed = false;  // the body went bad after the head was forwarded
  std::size_t head_size = 0;
  std::string upstream;  // the bytes sent upstream
  std::string leftover;  // read past the body: the next request's start
};

asio::awaitable<void> serve(faultline::net::ByteStream& client, const Limits& limits,
                            Verdict& verdict) {
  boost::beast::flat_buffer buffer;
  proxy::Clock::time_point deadline = proxy::Clock::time_point::max();
  const auto forever = std::chrono::hours(1);
  const proxy::HeadRead read = co_await proxy::read_head(client, buffer, limits.max_header_bytes,
                                                         deadline, proxy::Clock::now() + forever);
  if (read.too_large || read.error) {
    verdict.status = read.too_large ? 431 : 0;  // 0: timed out or gone, nobody to answer
    verdict.finished = true;
    co_return;
  }
  verdict.head_size = read.size;
  const std::string_view text(static_cast<const char*>(buffer.data().data()), read.size);
  proxy::RequestAdmission admission =
      proxy::admit_request_head(text, limits.max_header_bytes, limits.max_body_bytes);
  buffer.consume(read.size);
  if (admission.refusal) {
    verdict.status = admission.refusal->status;
    verdict.finished = true;
    co_return;
  }
  const std::string upstream_authority = "upstream.test:80";
  const proxy::ForwardingInfo forwarding{"127.0.0.1", admission.host, admission.head->version(),
                                         admission.host.empty()
                                             ? std::string_view(upstream_authority)
                                             : std::string_view(admission.host)};
  proxy::write_request_head(*admission.head, admission.target->origin_form, forwarding,
                            admission.framing, verdict.upstream);

  // The body, piece by piece, as relay_request_body reads, checks and frames it.
  static proxy::RelayBuffers buffers;  // reused, as a worker's are
  proxy::BorrowedBuffer piece(buffers);
  proxy::BodyFramer framer(admission.body.framing() == faultline::http::BodyFraming::chunked);
  std::uint64_t bytes = 0;
  bool last = admission.body.done();
  while (!last) {
    const proxy::BodyPiece body = co_await proxy::read_body_piece(
        client, buffer, admission.body, piece, limits.piece_size, deadline, forever);
    const auto refusal =
        proxy::refuse_request_body(body.framing_error, bytes, body.size, limits.max_body_bytes);
    if (body.error || refusal) {
      verdict.status = refusal ? refusal->status : 0;
      verdict.body_failed = true;
      verdict.finished = true;
      co_return;
    }
    last = body.last;
    proxy::BodyFramer::Buffers wire;
    const std::size_t count = framer.frame(std::string_view(body.data, body.size), last, wire, 0);
    for (std::size_t i = 0; i < count; ++i) {
      verdict.upstream.append(static_cast<const char*>(wire[i].data()), wire[i].size());
    }
    bytes += body.size;
    buffer.consume(body.buffered_bytes);
  }
  verdict.leftover.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
  verdict.finished = true;
}

// The body as an independent reading of the client's bytes after the head finds it.
struct ReferenceBody {
  bool complete = false;
  bool within_limits = true;
  std::string data;
  std::size_t end = 0;  // where it ends, from the head's end
};

ReferenceBody reference_body(std::string_view after_head, const faultline::http::BodyDecoder& fresh,
                             std::uint64_t content_length, const Limits& limits) {
  ReferenceBody body;
  switch (fresh.framing()) {
    case faultline::http::BodyFraming::none:
      body.complete = true;
      break;
    case faultline::http::BodyFraming::length:
      body.complete = after_head.size() >= content_length;
      body.data = after_head.substr(0, static_cast<std::size_t>(content_length));
      body.end = body.data.size();
      break;
    case faultline::http::BodyFraming::chunked: {
      const auto reading = faultline::fuzz::read_chunked(after_head);
      body.complete = reading.status == faultline::fuzz::ChunkedReading::complete;
      body.data = reading.data;
      body.end = reading.end;
      body.within_limits = reading.longest_size_line <= limits.max_header_bytes &&
                           reading.trailer_bytes <= limits.max_header_bytes + 1;
      break;
    }
    case faultline::http::BodyFraming::until_close:
      FUZZ_CHECK(!"a request body is never delimited by the close");
  }
  if (body.data.size() > limits.max_body_bytes) body.within_limits = false;
  return body;
}

// What the upstream makes of the bytes: a complete message, or how far it got.
struct UpstreamView {
  bool complete = false;
  std::size_t consumed = 0;
  std::optional<beast_http::request<beast_http::string_body>> message;
};

UpstreamView read_as_upstream(const std::string& bytes) {
  beast_http::request_parser<beast_http::string_body> parser;
  parser.eager(true);
  parser.header_limit(1u << 30);
  // No body is longer than the bytes there are (string_body reserves Content-Length).
  parser.body_limit(bytes.size());
  error_code ec;
  UpstreamView view;
  view.consumed = parser.put(asio::buffer(bytes), ec);
  // Never malformed; at worst unfinished (a body longer than what was sent is too).
  FUZZ_CHECK(!ec || ec == beast_http::error::need_more || ec == beast_http::error::body_limit);
  view.complete = parser.is_done();
  if (view.complete) view.message = parser.release();
  return view;
}

constexpr beast_http::field kHopByHop[] = {
    beast_http::field::connection, beast_http::field::keep_alive,
    beast_http::field::proxy_connection, beast_http::field::te, beast_http::field::upgrade};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static asio::io_context io;
  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const Limits limits{(flags & 1) ? 256u : 16384u, (flags & 2) ? 100u : 64ull << 20,
                      (flags & 4) ? 7u : proxy::RelayBuffers::kSize};
  std::array<std::size_t, 4> pieces;
  for (auto& piece : pieces) piece = 1 + input.byte() % 128;
  const std::string_view client_bytes = input.rest();

  Verdict verdict;
  std::string unread;
  {
    faultline::fuzz::SocketFeed feed(io, client_bytes, pieces);
    asio::co_spawn(io, serve(feed.stream(), limits, verdict), asio::detached);
    feed.run([&] { return verdict.finished; });
    unread = feed.unread();
  }

  if (verdict.status != 0 && !verdict.body_failed) {
    FUZZ_CHECK(verdict.upstream.empty());  // refused at the head: the upstream saw nothing
    FUZZ_CHECK(verdict.status == 400 || verdict.status == 413 || verdict.status == 431 ||
               verdict.status == 501 || verdict.status == 505);
    return 0;
  }
  if (verdict.upstream.empty()) return 0;  // the client left before a whole head
  FUZZ_CHECK(verdict.head_size <= limits.max_header_bytes);

  // The head again, for the reference reading of its body.
  const std::string_view head_text = client_bytes.substr(0, verdict.head_size);
  const proxy::RequestAdmission again =
      proxy::admit_request_head(head_text, limits.max_header_bytes, limits.max_body_bytes);
  FUZZ_CHECK(!again.refusal);
  const ReferenceBody reference = reference_body(client_bytes.substr(verdict.head_size), again.body,
                                                 again.framing.content_length.value_or(0), limits);

  const UpstreamView view = read_as_upstream(verdict.upstream);
  if (verdict.body_failed) {
    FUZZ_CHECK(!view.complete);  // half a request never looks whole
    // Refused only when the body is broken, cut short or over a limit.
    FUZZ_CHECK(!reference.complete || !reference.within_limits);
    return 0;
  }
  // Forwarded: exactly one message, and all of it.
  FUZZ_CHECK(reference.complete);
  FUZZ_CHECK(view.complete);
  FUZZ_CHECK(view.consumed == verdict.upstream.size());
  const auto& forwarded = *view.message;
  FUZZ_CHECK(forwarded.body() == reference.data);
  FUZZ_CHECK(forwarded.method_string() == again.head->method_string());
  FUZZ_CHECK(forwarded.target() == again.target->origin_form);
  for (const auto field : kHopByHop) FUZZ_CHECK(forwarded.find(field) == forwarded.end());
  FUZZ_CHECK(forwarded.count(beast_http::field::transfer_encoding) <= 1);
  FUZZ_CHECK(forwarded.count(beast_http::field::content_length) <= 1);
  FUZZ_CHECK(!(forwarded.count(beast_http::field::transfer_encoding) &&
               forwarded.count(beast_http::field::content_length)));
  FUZZ_CHECK(forwarded.count(beast_http::field::host) >= 1);  // the client's, or the upstream's
  // Nothing after the body was taken: it is the next request's.
  FUZZ_CHECK(verdict.leftover + unread == client_bytes.substr(verdict.head_size + reference.end));
  return 0;
}
