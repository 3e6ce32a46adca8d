// The response: upstream -> client. The head goes out as soon as it is parsed and framed
// for the client (with the first body piece when one is already here); then the body,
// piece by piece. The response-phase faults act here through their hooks: the head hook
// (response delay, modify) and the body filter (throttle, truncate, corrupt; modify's
// body replacing the upstream's).
#include <span>

#include <boost/asio/write.hpp>

#include "config/config.hpp"
#include "proxy/body_shaping.hpp"
#include "proxy/body_splice.hpp"
#include "proxy/client_session.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/response_modify.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;

// 100 Continue, 103 Early Hints: passed on to an HTTP/1.1 client while waiting for the
// final response; an HTTP/1.0 client knows none and gets only the final one. Leaves
// `final_head` holding the final head; false when the exchange is over (result says why).
asio::awaitable<bool> ClientSession::forward_interim_responses(RequestContext& request,
                                                               const config::RouteConfig& route,
                                                               UpstreamConnection& upstream,
                                                               UpstreamHead& final_head,
                                                               ResponseResult& result) {
  // The first head is the answer to the request just sent (ByteStream::read_answer); one
  // after a 1xx is read as any other read, which sees a close that came with the 1xx.
  for (bool first = true;; first = false) {
    const HeadRead read = co_await read_head(upstream.stream, upstream.buffer,
                                             kMaxUpstreamHeaderBytes, slot_.upstream_read_deadline,
                                             Clock::now() + route.request_timeout, first);
    if (read.too_large) {
      result.protocol_error =
          "a response head larger than " + std::to_string(kMaxUpstreamHeaderBytes / 1024) + " KiB";
      co_return false;
    }
    if (read.error) {
      result.upstream_error = read.error;
      co_return false;
    }
    const std::string_view text(static_cast<const char*>(upstream.buffer.data().data()), read.size);
    ResponseAdmission admission = admit_response_head(text, request.head_request);
    upstream.buffer.consume(read.size);  // the admission holds copies
    if (!admission.protocol_error.empty()) {
      result.protocol_error = std::move(admission.protocol_error);
      co_return false;
    }
    final_head = std::move(admission.upstream);
    if (!admission.interim) co_return true;
    if (request.client_version < 11) continue;
    write_response_head(final_head.head, Framing{}, ConnectionDirective::none, response_head_);
    auto [wec, m] = co_await OperationDeadline(slot_.client_write_deadline, route.request_timeout)
                        .around(client_.write(asio::buffer(response_head_)));
    if (wec) {
      result.client_error = wec;
      co_return false;
    }
  }
}

asio::awaitable<void> ClientSession::relay_response(RequestContext& request,
                                                    const ForwardPlan& forward,
                                                    UpstreamConnection& upstream,
                                                    ExchangeState& exchange,
                                                    ResponseResult& result) {
  const config::RouteConfig& route = forward.route;
  const faults::FaultPlan& plan = request.plan;
  UpstreamHead& upstream_head = upstream_head_.emplace();
  if (!co_await forward_interim_responses(request, route, upstream, upstream_head, result)) {
    if (result.upstream_error && exchange.request_failed) {
      result.upstream_error = asio::error::operation_aborted;
    }
    co_return finish_response(result, exchange, upstream);
  }
  result.upstream_header_received = true;

  auto& response = upstream_head.head;
  if (response.result_int() == 101) {
    result.status = 101;
    result.protocol_error = "101 Switching Protocols (Upgrade is not forwarded)";
    co_return finish_response(result, exchange, upstream);
  }

  // Head hook: modify rewrites the status and fields; a replaced body drops the
  // upstream's (read to its end so the connection stays reusable) and sends its own.
  if (plan.modify) apply_modify(*plan.modify, response);
  result.status = response.result_int();
  const std::optional<std::string>& replacement = plan.modify ? plan.modify->body : std::nullopt;
  const bool bodyless = response_is_bodyless(request.head_request, result.status);
  const auto content_length = replacement ? std::optional<std::uint64_t>(replacement->size())
                                          : upstream_head.declared_length;
  const ResponseFraming out = frame_response(request.client_version, bodyless, content_length,
                                             forward.client_keep_alive, worker_.draining);
  result.close_client = out.close_client;
  write_response_head(response, out.framing, out.connection, response_head_, request.injected);
  if (plan.response_delay.count() > 0) {
    result.injected_wait += co_await wait_on_purpose(plan.response_delay);
  }
  BodyShaping& shaping = response_shaping_.emplace(plan, request.rng, content_length);
  const bool relay_upstream_body = !bodyless && !replacement;
  // A sized body that no fault touches and that stays sized goes from socket to socket
  // inside the kernel, once what came in with the head is relayed.
  const bool spliceable = relay_upstream_body && !shaping.shapes_body() && !client_.is_tls() &&
                          !upstream.stream.is_tls() &&
                          upstream_head.body.framing() == http::BodyFraming::length &&
                          !out.framing.chunked;

  // The head goes out with the first piece of the body when that came with it, else alone
  // at once: a slow first byte never holds the head back.
  BorrowedBuffer piece(worker_.buffers);
  BodyFramer framer(out.framing.chunked);
  http::BodyDecoder& decoder = upstream_head.body;
  bool last = false;
  while (!last) {
    std::string_view received;
    char* writable = nullptr;             // where the body filter may edit `received`
    std::size_t consume_after_write = 0;  // of upstream.buffer, once the piece is written
    if (!decoder.done()) {
      if (!result.header_sent && upstream.buffer.size() == 0 && relay_upstream_body) {
        auto [wec, m] =
            co_await OperationDeadline(slot_.client_write_deadline, route.request_timeout)
                .around(client_.write(asio::buffer(response_head_)));
        if (wec) {
          result.client_error = wec;
          co_return finish_response(result, exchange, upstream);
        }
        result.header_sent = true;
      }
      if (spliceable && upstream.buffer.size() == 0) {
        if (auto pipe = worker_.pipes.take()) {
          if (!co_await splice_response_body(route, upstream, std::move(pipe), decoder, exchange,
                                             result)) {
            co_return finish_response(result, exchange, upstream);
          }
          break;
        }
      }
      // A dropped body is read at full speed: throttling applies to what the client gets.
      const std::size_t want =
          relay_upstream_body ? shaping.piece_size(RelayBuffers::kSize) : RelayBuffers::kSize;
      const BodyPiece read =
          co_await read_body_piece(upstream.stream, upstream.buffer, decoder, piece, want,
                                   slot_.upstream_read_deadline, route.request_timeout);
      if (read.error || !read.framing_error.empty()) {
        result.upstream_error =
            exchange.request_failed ? asio::error::operation_aborted : read.error;
        if (!read.framing_error.empty()) result.protocol_error = read.framing_error;
        co_return finish_response(result, exchange, upstream);
      }
      writable = read.data;
      received = std::string_view(read.data, read.size);
      consume_after_write = read.buffered_bytes;
    }
    last = decoder.done();
    if (last) result.upstream_done = Clock::now();
    if (!relay_upstream_body) {
      upstream.buffer.consume(consume_after_write);
      consume_after_write = 0;
      if (!last) continue;  // the client gets no body, or modify's: drop the upstream's
      received = bodyless || !replacement ? std::string_view() : std::string_view(*replacement);
    }
    // Body filter.
    if (replacement && !received.empty()) {
      // Corrupt flips bytes in place: the replacement (at most one buffer, as the loader
      // checks) is copied to the relay buffer first.
      std::copy(received.begin(), received.end(), piece.data());
      writable = piece.data();
      received = std::string_view(writable, received.size());
    }
    if (writable != nullptr) shaping.corrupt(writable, received.size());
    const bool truncated = shaping.truncate(received);
    BodyFramer::Buffers wire;
    std::size_t count = 0;
    // The whole response in one write (head and all of a small body) joins the batch.
    const bool whole = !result.header_sent && last && !truncated;
    if (!result.header_sent) wire[count++] = asio::buffer(response_head_);
    count = bodyless ? count : framer.frame(received, last && !truncated, wire, count);
    result.bytes += received.size();
    if (const auto pause = shaping.pause_before(received.size()); pause.count() > 0) {
      const auto waited = co_await wait_on_purpose(pause);
      // Only waits before the upstream's last byte would inflate its measured time.
      if (!last) result.injected_wait += waited;
    }
    if (count == 0 && !truncated) {
      upstream.buffer.consume(consume_after_write);
      continue;
    }
    auto [wec, m] =
        co_await OperationDeadline(slot_.client_write_deadline, route.request_timeout)
            .around(client_.write(std::span<const asio::const_buffer>(wire.data(), count),
                                  whole ? net::Send::with_batch : net::Send::now));
    upstream.buffer.consume(consume_after_write);  // the piece is written: its bytes may go
    if (wec) {
      result.client_error = wec;
      co_return finish_response(result, exchange, upstream);
    }
    result.header_sent = true;
    if (truncated) {
      // The fault: the body ends early and the connection closes under it.
      result.close_client = true;
      co_return finish_response(result, exchange, upstream);
    }
  }
  result.complete = true;
  result.upstream_reusable = upstream_head.reusable && decoder.done();
  co_return finish_response(result, exchange, upstream);
}

// The rest of a sized body, from socket to socket inside the kernel; false when either
// side failed (`result` says which).
asio::awaitable<bool> ClientSession::splice_response_body(const config::RouteConfig& route,
                                                          UpstreamConnection& upstream,
                                                          std::unique_ptr<net::SplicePipe> pipe,
                                                          http::BodyDecoder& decoder,
                                                          ExchangeState& exchange,
                                                          ResponseResult& result) {
  const std::uint64_t length = decoder.remaining();
  const SplicedBody moved =
      co_await splice_body(upstream.stream, client_, *pipe, length, slot_.upstream_read_deadline,
                           slot_.client_write_deadline, route.request_timeout);
  worker_.pipes.give_back(std::move(pipe));
  result.bytes += moved.bytes;
  if (moved.read_error || moved.write_error) {
    result.upstream_error = exchange.request_failed && moved.read_error
                                ? asio::error::operation_aborted
                                : moved.read_error;
    result.client_error = moved.write_error;
    co_return false;
  }
  decoder.skip(length);
  result.upstream_done = moved.source_done;
  co_return true;
}

// The response half is over: whatever the request half is still waiting for (more body
// from the client, room at the upstream) will not be needed.
void ClientSession::finish_response(ResponseResult& result, ExchangeState& exchange,
                                    UpstreamConnection& upstream) {
  exchange.response_finished = true;
  error_code ignored;
  client_.socket().cancel(ignored);
  upstream.stream.socket().cancel(ignored);
  if (result.upstream_done == Clock::time_point{}) result.upstream_done = Clock::now();
}

}  // namespace faultline::proxy
