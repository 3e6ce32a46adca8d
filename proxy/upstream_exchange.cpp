// Forwarding one request: take a pooled connection or connect, send the head, relay the
// request body and the response at once, and send again on a fresh connection when a
// reused one turns out stale (exchange_rules.hpp says when that is safe).
#include <span>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "config/config.hpp"
#include "metrics/proxy_metrics.hpp"
#include "net/tls_failure.hpp"
#include "proxy/body_splice.hpp"
#include "proxy/client_session.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using namespace asio::experimental::awaitable_operators;

namespace {

// Points the worker's watchdog at the upstream connection a request is using, for as
// long as it uses it (a pooled connection is not watched).
class UpstreamWatch {
 public:
  UpstreamWatch(SessionSlot& slot, asio::ip::tcp::socket& socket) : slot_(slot) {
    slot_.upstream = &socket;
    slot_.upstream_expired = false;
  }
  ~UpstreamWatch() { release(); }
  void release() { slot_.upstream = nullptr; }

 private:
  SessionSlot& slot_;
};

bool is_upstream_close(const error_code& ec) {
  return ec == asio::error::eof || ec == beast_http::error::end_of_stream ||
         ec == asio::error::connection_reset;
}

// The error of a failed exchange, in the terms answer_upstream_failure() takes.
UpstreamFailure classify(const error_code& ec, bool header_received) {
  if (ec == asio::error::timed_out) return UpstreamFailure::timeout;
  if (ec.category() == beast_http::make_error_code(beast_http::error::bad_version).category()) {
    return UpstreamFailure::protocol;
  }
  if (!header_received && (ec == asio::error::eof || ec == beast_http::error::end_of_stream)) {
    return UpstreamFailure::closed;
  }
  return UpstreamFailure::broken;
}

}  // namespace

asio::awaitable<bool> ClientSession::forward(RequestContext& request, const ForwardPlan& forward) {
  const config::RouteConfig& route = forward.route;
  UpstreamPool& pool =
      worker_.pools->for_route(request.snapshot->config->routes, forward.route_index);
  for (int attempt = 1;; ++attempt) {
    const UpstreamPool::Use pool_use(pool);
    std::unique_ptr<UpstreamConnection> upstream =
        attempt < kMaxAttempts ? pool.take_idle(forward.has_body) : nullptr;
    const Clock::time_point upstream_started = Clock::now();
    if (!upstream) {
      bool keep_open = false;
      upstream = co_await connect(request, forward, keep_open);
      if (!upstream) co_return keep_open;  // the failure is answered (a 502 or 504)
    }
    UpstreamWatch upstream_watch(slot_, upstream->stream.socket());

    // Without a body the head is the whole request. With one, the head still goes first
    // on its own: a client that sent "Expect: 100-continue" waits for the upstream's
    // 100 before it sends any body.
    auto [send_error, sent] =
        co_await OperationDeadline(slot_.upstream_write_deadline, route.request_timeout)
            .around(
                upstream->stream.write(asio::buffer(request_head_),
                                       forward.has_body ? net::Send::now : net::Send::with_batch));
    if (send_error) {
      if (upstream->reused && attempt < kMaxAttempts) continue;  // a stale keep-alive
      const error_code cause = slot_.upstream_expired ? asio::error::timed_out : send_error;
      co_return co_await reply_upstream_failure(request, route, classify(cause, false),
                                                cause.message(), false);
    }

    RequestBodyResult body;
    ResponseResult response;
    ExchangeState exchange;
    if (forward.has_body) {
      co_await (relay_request_body(request, forward, *upstream, exchange, body) &&
                relay_response(request, forward, *upstream, exchange, response));
    } else {
      body.complete = true;
      co_await relay_response(request, forward, *upstream, exchange, response);
    }

    const AttemptOutcome outcome{upstream->reused, response.upstream_header_received,
                                 forward.has_body && body.bytes != 0,
                                 body.client_error || !body.framing_error.empty(),
                                 is_upstream_close(response.upstream_error)};
    if (may_retry(outcome, attempt)) continue;  // the upstream closed an idle connection

    account(request, body, response, upstream_started);

    const bool upstream_timed_out = slot_.upstream_expired;
    upstream_watch.release();
    if (response.upstream_reusable && body.complete) pool.give_back(std::move(upstream));

    if (!response.header_sent) {
      co_return co_await answer_failed_exchange(request, forward, body, response,
                                                upstream_timed_out);
    }
    request.record();
    co_return response.complete&& body.complete && !response.close_client &&
        forward.client_keep_alive && !worker_.draining;
  }
}

// A new connection to the route's upstream; nullptr once its failure has been answered
// (`keep_open`: whether the client's connection stays open after that answer).
asio::awaitable<std::unique_ptr<UpstreamConnection>> ClientSession::connect(
    RequestContext& request, const ForwardPlan& forward, bool& keep_open) {
  ConnectResult connected = co_await connect_upstream(forward.route, slot_);
  if (connected.error) {
    const bool timed_out = connected.error == asio::error::timed_out;
    const auto failure = timed_out               ? UpstreamFailure::connect_timeout
                         : connected.tls_failure ? UpstreamFailure::tls_handshake
                                                 : UpstreamFailure::connect;
    if (connected.tls_failure) {
      worker_.metrics->tls().record_handshake_error(metrics::Side::upstream,
                                                    connected.tls_failure->reason);
    }
    // Named, not a conditional inside the co_await: GCC 12 destroys such a temporary twice.
    const std::string detail =
        connected.tls_failure ? connected.tls_failure->message : connected.error.message();
    keep_open = co_await reply_upstream_failure(request, forward.route, failure, detail,
                                                forward.client_keep_alive && !forward.has_body);
    co_return nullptr;
  }
  connected.connection->metrics = worker_.metrics;
  connected.connection->worker = worker_.index;
  worker_.metrics->connections_add(worker_.index, metrics::Side::upstream, +1);
  co_return std::move(connected.connection);
}

// The exchange's figures, for the access log and the metrics.
void ClientSession::account(RequestContext& request, const RequestBodyResult& body,
                            const ResponseResult& response, Clock::time_point upstream_started) {
  request.log.upstream_ms = milliseconds_between(
      upstream_started + response.injected_wait,
      response.upstream_done == Clock::time_point{} ? Clock::now() : response.upstream_done);
  request.log.bytes_in = body.bytes;
  request.log.bytes_out = response.bytes;
  request.log.status = response.status;
  request.count_bytes(metrics::Side::client, metrics::Direction::in, body.bytes);
  request.count_bytes(metrics::Side::upstream, metrics::Direction::out,
                      request_head_.size() + body.bytes);
  request.count_bytes(metrics::Side::upstream, metrics::Direction::in, response.bytes);
  request.count_bytes(metrics::Side::client, metrics::Direction::out, response.bytes);
  if (response.upstream_header_received) {
    request.upstream_duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
        response.upstream_done - upstream_started - response.injected_wait);
  }
}

// faultline answers for the upstream: the status, reason and metric of `failure`.
asio::awaitable<bool> ClientSession::reply_upstream_failure(RequestContext& request,
                                                            const config::RouteConfig& route,
                                                            UpstreamFailure failure,
                                                            std::string_view detail,
                                                            bool keep_alive) {
  FailureAnswer answer = answer_upstream_failure(failure, route.upstream.url, detail);
  request.count_upstream_error(answer.metric);
  co_return co_await reply_locally(request, answer.status, std::move(answer.reason), keep_alive);
}

// Nothing of the response reached the client: answer for the upstream, or for the
// client's own failure.
asio::awaitable<bool> ClientSession::answer_failed_exchange(RequestContext& request,
                                                            const ForwardPlan& forward,
                                                            const RequestBodyResult& body,
                                                            const ResponseResult& response,
                                                            bool upstream_timed_out) {
  if (!body.framing_error.empty()) {
    co_await reply_locally(request, body.refusal_status, body.framing_error, false);
    co_return false;
  }
  if (body.client_error) {
    if (!is_disconnect(body.client_error)) {
      co_await reply_locally(request, 400,
                             "reading the request body: " + body.client_error.message(), false);
    } else {
      request.log.status = 0;  // the client left mid-upload: no status reached it
      request.record();
    }
    co_return false;
  }
  if (response.client_error) {
    request.log.status = 0;  // the client left before the response: no status reached it
    request.record();
    co_return false;
  }
  if (!response.protocol_error.empty()) {
    co_return co_await reply_upstream_failure(request, forward.route, UpstreamFailure::protocol,
                                              response.protocol_error,
                                              forward.client_keep_alive && forward.body.done());
  }
  error_code cause = response.upstream_error ? response.upstream_error : body.upstream_error;
  if (!cause) cause = asio::error::connection_aborted;
  if (upstream_timed_out) cause = asio::error::timed_out;
  if (cause.category() == asio::error::get_ssl_category() && !response.upstream_header_received) {
    // TLS 1.3 ends the handshake before the server has checked our certificate: its
    // refusal (certificate required, bad certificate) arrives as the response.
    const net::TlsFailure failure = net::describe_tls_failure(cause, nullptr, false);
    worker_.metrics->tls().record_handshake_error(metrics::Side::upstream, failure.reason);
    co_return co_await reply_upstream_failure(
        request, forward.route, UpstreamFailure::tls_handshake, failure.message, false);
  }
  const bool keep = forward.client_keep_alive && forward.body.done() && !body.client_error;
  co_return co_await reply_upstream_failure(request, forward.route,
                                            classify(cause, response.upstream_header_received),
                                            cause.message(), keep);
}

// Request body: client -> upstream, each piece as soon as it is read. request_timeout
// bounds each read and each write (a stall), never the whole upload.
asio::awaitable<void> ClientSession::relay_request_body(RequestContext& request,
                                                        const ForwardPlan& forward,
                                                        UpstreamConnection& upstream,
                                                        ExchangeState& exchange,
                                                        RequestBodyResult& result) {
  BorrowedBuffer piece(worker_.buffers);
  BodyFramer framer(forward.body.framing() == http::BodyFraming::chunked);
  const auto timeout = forward.route.request_timeout;
  const std::uint64_t max_body = request.snapshot->config->server.max_body_bytes;
  // A sized upload goes from socket to socket inside the kernel (no fault acts on request
  // bodies), once what came in with the head is relayed.
  const bool spliceable = forward.body.framing() == http::BodyFraming::length &&
                          !client_.is_tls() && !upstream.stream.is_tls();
  bool last = false;
  while (!last) {
    if (spliceable && buffer_.size() == 0) {
      if (auto pipe = worker_.pipes.take()) {
        const std::uint64_t length = forward.body.remaining();
        const SplicedBody moved = co_await splice_body(
            client_, upstream.stream, *pipe, length, slot_.client_read_deadline,
            slot_.upstream_write_deadline, timeout, &slot_.upstream_read_deadline);
        worker_.pipes.give_back(std::move(pipe));
        result.bytes += moved.bytes;
        if (exchange.response_finished) co_return;
        if (moved.read_error) {
          result.client_error = moved.read_error;
          exchange.request_failed = true;
          error_code ignored;
          upstream.stream.socket().close(ignored);  // the upstream must not see half a request
          co_return;
        }
        result.upstream_error = moved.write_error;
        if (moved.write_error) co_return;
        forward.body.skip(length);
        break;
      }
    }
    const BodyPiece read =
        co_await read_body_piece(client_, buffer_, forward.body, piece, RelayBuffers::kSize,
                                 slot_.client_read_deadline, timeout);
    if (exchange.response_finished) co_return;
    auto refusal = refuse_request_body(read.framing_error, result.bytes, read.size, max_body);
    if (read.error || refusal) {
      result.client_error = read.error;
      if (refusal) {
        result.refusal_status = refusal->status;
        result.framing_error = std::move(refusal->reason);
      }
      exchange.request_failed = true;
      error_code ignored;
      upstream.stream.socket().close(ignored);  // the upstream must not see half a request
      co_return;
    }
    const std::string_view received(read.data, read.size);
    last = read.last;
    BodyFramer::Buffers wire;
    const std::size_t count = framer.frame(received, last, wire, 0);
    result.bytes += received.size();
    error_code wec;
    if (count != 0) {
      std::tie(wec, std::ignore) =
          co_await OperationDeadline(slot_.upstream_write_deadline, timeout)
              .around(
                  upstream.stream.write(std::span<const asio::const_buffer>(wire.data(), count)));
    }
    buffer_.consume(read.buffered_bytes);  // the piece is written: its bytes may go
    if (count == 0) continue;
    // The upstream's time to answer counts from the last byte of the request it got.
    if (slot_.upstream_read_deadline != Clock::time_point::max()) {
      slot_.upstream_read_deadline = Clock::now() + timeout;
    }
    if (exchange.response_finished) co_return;
    if (wec) {
      // The upstream stopped reading; its response (if any) is still relayed.
      result.upstream_error = wec;
      co_return;
    }
  }
  result.complete = true;
}

}  // namespace faultline::proxy
