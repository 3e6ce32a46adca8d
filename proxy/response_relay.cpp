// The response: upstream -> client. The head goes out as soon as it is parsed and framed
// for the client (with the first body piece when one is already here); then the body,
// piece by piece. The response-phase faults act here through their hooks: the head hook
// (response delay, modify) and the body filter (throttle, truncate, corrupt; modify's
// body replacing the upstream's).
#include <span>

#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "config/config.hpp"
#include "proxy/body_shaping.hpp"
#include "proxy/client_session.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/response_modify.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::uint32_t kMaxUpstreamHeaderBytes = 64 * 1024;

}  // namespace

// 100 Continue, 103 Early Hints: passed on while waiting for the final response. Leaves
// `parser` holding the final head; false when the exchange is over (result says why).
asio::awaitable<bool> ClientSession::forward_interim_responses(
    RequestContext& request, const config::RouteConfig& route, UpstreamConnection& upstream,
    std::optional<ResponseParser>& parser, ResponseResult& result) {
  for (;;) {
    parser.emplace();
    parser->header_limit(kMaxUpstreamHeaderBytes);
    parser->body_limit(boost::none);
    if (request.head_request) parser->skip(true);
    auto [ec, n] =
        co_await timed(slot_.upstream_read_deadline, route.request_timeout,
                       http::async_read_header(upstream.socket, upstream.buffer, *parser, nothrow));
    if (ec) {
      result.upstream_error = ec;
      co_return false;
    }
    const unsigned status = parser->get().result_int();
    if (status < 100 || status >= 200 || status == 101) co_return true;
    write_response_head(parser->get(), Framing{}, ConnectionDirective::none, response_head_);
    auto [wec, m] =
        co_await timed(slot_.client_write_deadline, route.request_timeout,
                       asio::async_write(client_, asio::buffer(response_head_), nothrow));
    if (wec) {
      result.client_error = wec;
      co_return false;
    }
  }
}

asio::awaitable<ResponseResult> ClientSession::relay_response(RequestContext& request,
                                                              const ForwardPlan& forward,
                                                              UpstreamConnection& upstream,
                                                              ExchangeState& exchange) {
  const config::RouteConfig& route = forward.route;
  const faults::FaultPlan& plan = request.plan;
  ResponseResult result;
  std::optional<ResponseParser> parser;
  if (!co_await forward_interim_responses(request, route, upstream, parser, result)) {
    if (result.upstream_error && exchange.request_failed) {
      result.upstream_error = asio::error::operation_aborted;
    }
    co_return finish_response(result, exchange, upstream);
  }
  result.upstream_header_received = true;

  auto& response = parser->get();
  if (response.result_int() == 101) {
    result.status = 101;
    result.upstream_error = http::error::bad_version;  // Upgrade was never forwarded
    co_return finish_response(result, exchange, upstream);
  }
  const bool upstream_keep_alive = response.keep_alive();

  // Head hook: modify rewrites the status and fields; a replaced body drops the
  // upstream's (read to its end so the connection stays reusable) and sends its own.
  if (plan.modify) apply_modify(*plan.modify, response);
  result.status = response.result_int();
  const std::optional<std::string>& replacement = plan.modify ? plan.modify->body : std::nullopt;
  const bool bodyless = request.head_request || result.status == 204 || result.status == 304;
  const auto content_length = replacement ? std::optional<std::uint64_t>(replacement->size())
                                          : to_std(parser->content_length());
  const ResponseFraming out = frame_response(request.client_version, bodyless, content_length,
                                             forward.client_keep_alive, worker_.draining);
  result.close_client = out.close_client;
  write_response_head(response, out.framing, out.connection, response_head_, request.injected);
  if (plan.response_delay.count() > 0) {
    result.injected_wait += co_await wait_on_purpose(plan.response_delay);
  }
  BodyShaping shaping(plan, request.rng, content_length);
  const bool relay_upstream_body = !bodyless && !replacement;

  // The head goes out with the first piece of the body, in one write.
  BorrowedBuffer piece(worker_.buffers);
  BodyFramer framer(out.framing.chunked);
  auto& body = response.body();
  bool last = false;
  while (!last) {
    std::string_view received;
    if (!parser->is_done()) {
      // A dropped body is read at full speed: throttling applies to what the client gets.
      const std::size_t want =
          relay_upstream_body ? shaping.piece_size(RelayBuffers::kSize) : RelayBuffers::kSize;
      body.data = piece.data();
      body.size = want;
      auto [ec, n] =
          co_await timed(slot_.upstream_read_deadline, route.request_timeout,
                         http::async_read(upstream.socket, upstream.buffer, *parser, nothrow));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        result.upstream_error = exchange.request_failed ? asio::error::operation_aborted : ec;
        co_return finish_response(result, exchange, upstream);
      }
      received = std::string_view(piece.data(), want - body.size);
    }
    last = parser->is_done();
    if (last) result.upstream_done = Clock::now();
    if (!relay_upstream_body) {
      if (!last) continue;  // the client gets no body, or modify's: drop the upstream's
      received = bodyless || !replacement ? std::string_view() : std::string_view(*replacement);
    }
    // Body filter.
    if (replacement && !received.empty()) {
      // Corrupt flips bytes in place: the replacement (at most one buffer, as the loader
      // checks) is copied to the relay buffer first.
      std::copy(received.begin(), received.end(), piece.data());
      received = std::string_view(piece.data(), received.size());
    }
    shaping.corrupt(piece.data(), received.size());
    const bool truncated = shaping.truncate(received);
    BodyFramer::Buffers wire;
    std::size_t count = 0;
    if (!result.header_sent) wire[count++] = asio::buffer(response_head_);
    count = bodyless ? count : framer.frame(received, last && !truncated, wire, count);
    result.bytes += received.size();
    if (const auto pause = shaping.pause_before(received.size()); pause.count() > 0) {
      const auto waited = co_await wait_on_purpose(pause);
      // Only waits before the upstream's last byte would inflate its measured time.
      if (!last) result.injected_wait += waited;
    }
    if (count == 0 && !truncated) continue;
    auto [wec, m] = co_await timed(
        slot_.client_write_deadline, route.request_timeout,
        asio::async_write(client_, std::span<const asio::const_buffer>(wire.data(), count),
                          nothrow));
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
  result.upstream_reusable = upstream_keep_alive && parser->is_done();
  co_return finish_response(result, exchange, upstream);
}

// The response half is over: whatever the request half is still waiting for (more body
// from the client, room at the upstream) will not be needed.
ResponseResult ClientSession::finish_response(ResponseResult result, ExchangeState& exchange,
                                              UpstreamConnection& upstream) {
  exchange.response_finished = true;
  error_code ignored;
  client_.cancel(ignored);
  upstream.socket.cancel(ignored);
  if (result.upstream_done == Clock::time_point{}) result.upstream_done = Clock::now();
  return result;
}

}  // namespace faultline::proxy
