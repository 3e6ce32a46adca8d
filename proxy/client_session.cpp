// One client connection, top to bottom: wait for a request, read its header, pick the
// route, forward it to the upstream while streaming the bodies both ways, record it.
// Everything runs on the worker's single thread; the request and response bodies are
// relayed concurrently so an upstream that answers while the upload is still arriving
// (an echo, an early 413) never deadlocks against us.
#include <limits>
#include <optional>
#include <span>
#include <variant>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "faults/decide.hpp"
#include "faults/header_control.hpp"
#include "metrics/proxy_metrics.hpp"
#include "proxy/access_log.hpp"
#include "proxy/body_shaping.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/header_rewrite.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/request_target.hpp"
#include "proxy/upstream_pool.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxUpstreamHeaderBytes = 64 * 1024;
constexpr int kMaxAttempts = 3;  // stale keep-alive connections are retried, bounded

std::optional<std::uint64_t> to_std(const boost::optional<std::uint64_t>& value) {
  return value ? std::optional<std::uint64_t>(*value) : std::nullopt;
}

double milliseconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::error::timed_out;
}

// Gives a relay buffer back to the worker's free list on every exit path.
class BorrowedBuffer {
 public:
  explicit BorrowedBuffer(RelayBuffers& owner) : owner_(owner), buffer_(owner.take()) {}
  ~BorrowedBuffer() { owner_.give_back(std::move(buffer_)); }
  char* data() { return buffer_.get(); }

 private:
  RelayBuffers& owner_;
  std::unique_ptr<char[]> buffer_;
};

class SessionRegistration {
 public:
  SessionRegistration(WorkerState& worker, SessionSlot& slot) : worker_(worker), slot_(slot) {
    worker_.sessions.insert(&slot_);
  }
  ~SessionRegistration() { worker_.sessions.erase(&slot_); }

 private:
  WorkerState& worker_;
  SessionSlot& slot_;
};

// Points the worker's watchdog at the upstream connection a request is using, for as
// long as it uses it (a pooled connection is not watched).
class UpstreamWatch {
 public:
  UpstreamWatch(SessionSlot& slot, tcp::socket& socket) : slot_(slot) {
    slot_.upstream = &socket;
    slot_.upstream_expired = false;
  }
  ~UpstreamWatch() { release(); }
  void release() { slot_.upstream = nullptr; }

 private:
  SessionSlot& slot_;
};

// Holds one place under max_active_faults for as long as a faulted request runs.
class FaultInProgress {
 public:
  explicit FaultInProgress(FaultRuntime& runtime) : runtime_(runtime) {}
  ~FaultInProgress() { runtime_.end_fault(); }
  FaultInProgress(const FaultInProgress&) = delete;
  FaultInProgress& operator=(const FaultInProgress&) = delete;

 private:
  FaultRuntime& runtime_;
};

struct RequestBodyResult {
  bool complete = false;
  error_code client_error;    // reading the client's body (body_limit: too large)
  error_code upstream_error;  // writing it upstream
  std::uint64_t bytes = 0;
};

struct ResponseResult {
  bool header_sent = false;  // after this, a failure can only close the connection
  bool complete = false;
  bool upstream_reusable = false;
  bool close_client = false;
  bool upstream_header_received = false;
  error_code upstream_error;
  error_code client_error;
  unsigned status = 0;
  std::uint64_t bytes = 0;
  Clock::time_point upstream_done{};
  Clock::duration injected_wait{};  // response delay and throttling, not the upstream's time
};

// Shared by the two halves of one exchange so each can stop the other.
struct ExchangeState {
  bool response_finished = false;
  bool request_failed = false;
};

struct LocalReply {
  unsigned status;
  std::string reason;
};

LocalReply reply_for_upstream_failure(const error_code& ec, const config::RouteConfig& route,
                                      bool header_received) {
  if (ec == asio::error::timed_out) {
    return {504, "upstream " + route.upstream.url + " did not answer within request_timeout"};
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return {502, "upstream " + route.upstream.url + " sent an invalid response: " + ec.message()};
  }
  if (!header_received && (ec == asio::error::eof || ec == http::error::end_of_stream)) {
    return {502, "upstream " + route.upstream.url + " closed the connection without a response"};
  }
  return {502, "upstream " + route.upstream.url + " failed: " + ec.message()};
}

class ClientSession {
 public:
  ClientSession(WorkerState& worker, tcp::socket socket)
      : worker_(worker), client_(std::move(socket)), registration_(worker, slot_) {
    slot_.client = &client_;
    error_code ec;
    auto remote = client_.remote_endpoint(ec);
    if (!ec) client_address_ = remote.address().to_string();
    client_.set_option(tcp::no_delay(true), ec);
    worker_.metrics->connections_add(worker_.index, metrics::Side::client, +1);
  }

  ~ClientSession() { worker_.metrics->connections_add(worker_.index, metrics::Side::client, -1); }

  asio::awaitable<void> run() {
    bool first = true;
    while (co_await wait_for_request_bytes(first)) {
      first = false;
      if (!co_await serve_one() || worker_.draining) break;
    }
    error_code ignored;
    client_.shutdown(tcp::socket::shutdown_send, ignored);
    client_.close(ignored);
  }

 private:
  // Waits for the first byte of the next request: header_timeout on a new connection,
  // idle_timeout between keep-alive requests. Pipelined bytes are already buffered.
  asio::awaitable<bool> wait_for_request_bytes(bool first) {
    if (buffer_.size() != 0) co_return true;
    if (worker_.draining) co_return false;
    const auto& server = worker_.snapshot->config->server;
    slot_.idle = true;
    OperationDeadline deadline(slot_.client_read_deadline,
                               first ? server.header_timeout : server.idle_timeout);
    auto [ec, n] = co_await client_.async_read_some(buffer_.prepare(4096), nothrow);
    slot_.idle = false;
    if (ec) co_return false;
    buffer_.commit(n);
    count_bytes(metrics::Side::client, metrics::Direction::in, n);
    co_return true;
  }

  // Serves one request; returns whether the connection stays open for another.
  asio::awaitable<bool> serve_one() {
    const std::shared_ptr<const Snapshot> snapshot = worker_.snapshot;  // kept to the end
    const auto& server = snapshot->config->server;
    started_ = Clock::now();
    started_wall_ = std::chrono::system_clock::now();
    record_ = {};
    head_request_ = false;
    route_metrics_ = nullptr;
    outcome_ = metrics::Outcome::ok;
    upstream_duration_.reset();
    plan_ = {};
    injected_.clear();

    http::request_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(server.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(server.max_body_bytes);
    error_code read_error;
    {
      OperationDeadline deadline(slot_.client_read_deadline, server.header_timeout);
      std::tie(read_error, std::ignore) =
          co_await http::async_read_header(client_, buffer_, parser, nothrow);
    }
    if (read_error) co_return co_await answer_unreadable_request(read_error, server);

    auto& request = parser.get();
    client_version_ = request.version();
    head_request_ = request.method() == http::verb::head;
    method_ = std::string(request.method_string());
    const auto target = parse_request_target(request.target());
    if (!target) {
      path_ = std::string(request.target());
      co_await reply_locally(400, "request target '" + path_ + "' cannot be forwarded", false);
      co_return false;
    }
    path_ = target->path;
    std::string original_host =
        target->authority.empty() ? std::string(request[http::field::host]) : target->authority;
    const bool client_keep_alive = request.keep_alive();
    if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
      co_await reply_locally(400, "HTTP/1.1 request without a Host header", false);
      co_return false;
    }

    const config::RouteConfig* route = snapshot->routes.match(original_host, target->path);
    if (route == nullptr) {
      const bool keep = client_keep_alive && parser.is_done();
      co_return co_await reply_locally(
          404, "no route for host '" + original_host + "' and path '" + target->path + "'", keep);
    }
    route_name_ = route->name;
    const auto route_index = static_cast<std::size_t>(route - snapshot->config->routes.data());
    route_metrics_ = snapshot->route_metrics[route_index];
    const metrics::InflightScope inflight(*route_metrics_, worker_.index);

    // Decide, then do: the plan is a plain value; this session executes it.
    decide_faults(*snapshot, *route, request, target->path, original_host);
    std::optional<FaultInProgress> fault_in_progress;
    if (!plan_.empty()) {
      if (worker_.faults->begin_fault()) {
        fault_in_progress.emplace(*worker_.faults);
        outcome_ = metrics::Outcome::injected;
        injected_ = plan_.injected_header();
        for (const auto& applied : plan_.applied) {
          snapshot->fault_counter(route_index, applied.rule, applied.kind).add(worker_.index);
        }
      } else {
        plan_ = {};  // max_active_faults reached: this request passes unharmed
      }
    }
    if (plan_.request_delay.count() > 0) co_await wait_on_purpose(plan_.request_delay);
    if (plan_.terminal) {
      co_return co_await execute_terminal(client_keep_alive && parser.is_done());
    }

    // The framing comes from what the parser saw, never from what the client's fields
    // say after hop-by-hop removal (see HopByHopFilter on request smuggling).
    const bool request_chunked = parser.chunked();
    const Framing request_framing{request_chunked, to_std(parser.content_length())};
    const std::string upstream_authority =
        original_host.empty() ? route->upstream.host + ":" + std::to_string(route->upstream.port)
                              : std::string();
    const ForwardingInfo forwarding{client_address_, original_host, request.version(),
                                    original_host.empty() ? std::string_view(upstream_authority)
                                                          : std::string_view(original_host)};
    write_request_head(request, target->origin_form, forwarding, request_framing, request_head_);
    const bool has_body = !parser.is_done();

    UpstreamPool& pool = worker_.pools->for_route(snapshot->config->routes, route_index);
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<UpstreamConnection> upstream =
          attempt < kMaxAttempts ? pool.take_idle(has_body) : nullptr;
      upstream_started_ = Clock::now();
      if (!upstream) {
        auto connected = co_await connect_upstream(route->upstream, route->connect_timeout, slot_);
        if (connected.error) {
          const bool keep = client_keep_alive && !has_body;
          count_upstream_error(connected.error == asio::error::timed_out
                                   ? metrics::UpstreamErrorReason::timeout
                                   : metrics::UpstreamErrorReason::connect);
          if (connected.error == asio::error::timed_out) {
            co_return co_await reply_locally(504,
                                             "upstream " + route->upstream.url +
                                                 " did not accept a connection within " +
                                                 "connect_timeout",
                                             keep);
          }
          co_return co_await reply_locally(502,
                                           "cannot connect to upstream " + route->upstream.url +
                                               ": " + connected.error.message(),
                                           keep);
        }
        upstream = std::move(connected.connection);
        upstream->metrics = worker_.metrics;
        upstream->worker = worker_.index;
        worker_.metrics->connections_add(worker_.index, metrics::Side::upstream, +1);
      }
      UpstreamWatch upstream_watch(slot_, upstream->socket);

      RequestBodyResult body;
      ResponseResult response;
      // Without a body the head is the whole request. With one, the head still goes first
      // on its own: a client that sent "Expect: 100-continue" waits for the upstream's
      // 100 before it sends any body.
      error_code send_error;
      {
        OperationDeadline deadline(slot_.upstream_write_deadline, route->request_timeout);
        std::tie(send_error, std::ignore) =
            co_await asio::async_write(upstream->socket, asio::buffer(request_head_), nothrow);
      }
      body.complete = !has_body && !send_error;
      if (send_error) {
        if (upstream->reused && attempt < kMaxAttempts) continue;  // a stale keep-alive
        const error_code cause = slot_.upstream_expired ? asio::error::timed_out : send_error;
        count_upstream_error(upstream_error_reason(cause));
        auto reply = reply_for_upstream_failure(cause, *route, false);
        co_return co_await reply_locally(reply.status, reply.reason, false);
      }

      if (has_body) {
        ExchangeState exchange;
        std::tie(body, response) =
            co_await (relay_request_body(parser, request_chunked, *upstream, *route, exchange) &&
                      relay_response(*upstream, *route, client_keep_alive, exchange));
      } else {
        ExchangeState exchange;
        response = co_await relay_response(*upstream, *route, client_keep_alive, exchange);
      }

      const bool nothing_consumed = !has_body || body.bytes == 0;
      if (!response.upstream_header_received && upstream->reused && nothing_consumed &&
          !body.client_error && attempt < kMaxAttempts &&
          (response.upstream_error == asio::error::eof ||
           response.upstream_error == http::error::end_of_stream ||
           response.upstream_error == asio::error::connection_reset)) {
        continue;  // the upstream closed an idle connection as we reused it
      }

      record_.upstream_ms = milliseconds_between(
          upstream_started_ + response.injected_wait,
          response.upstream_done == Clock::time_point{} ? Clock::now() : response.upstream_done);
      record_.bytes_in = body.bytes;
      record_.bytes_out = response.bytes;
      record_.status = response.status;
      count_bytes(metrics::Side::client, metrics::Direction::in, body.bytes);
      count_bytes(metrics::Side::upstream, metrics::Direction::out,
                  request_head_.size() + body.bytes);
      count_bytes(metrics::Side::upstream, metrics::Direction::in, response.bytes);
      count_bytes(metrics::Side::client, metrics::Direction::out, response.bytes);
      if (response.upstream_header_received) {
        upstream_duration_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
            response.upstream_done - upstream_started_ - response.injected_wait);
      }

      const bool upstream_timed_out = slot_.upstream_expired;
      upstream_watch.release();
      if (response.upstream_reusable && body.complete) pool.give_back(std::move(upstream));

      if (!response.header_sent) {
        const bool keep = client_keep_alive && parser.is_done() && !body.client_error;
        if (body.client_error == http::error::body_limit) {
          co_return co_await reply_locally(413,
                                           "request body larger than max_body_bytes (" +
                                               std::to_string(server.max_body_bytes) + ")",
                                           false);
        }
        if (body.client_error) {
          if (!is_disconnect(body.client_error)) {
            co_await reply_locally(400, "malformed request body: " + body.client_error.message(),
                                   false);
          } else {
            record_.status = 0;  // the client left mid-upload: no status reached it
            finish_record();
          }
          co_return false;
        }
        if (response.client_error) {
          record_.status = 0;  // the client left before the response: no status reached it
          finish_record();
          co_return false;
        }
        error_code cause = response.upstream_error ? response.upstream_error : body.upstream_error;
        if (!cause) cause = asio::error::connection_aborted;
        if (upstream_timed_out) cause = asio::error::timed_out;
        count_upstream_error(upstream_error_reason(cause));
        auto reply = reply_for_upstream_failure(cause, *route, response.upstream_header_received);
        co_return co_await reply_locally(reply.status, reply.reason, keep);
      }

      finish_record();
      co_return response.complete&& body.complete && !response.close_client && client_keep_alive &&
          !worker_.draining;
    }
  }

  // Request body: client -> upstream, in relay-buffer pieces.
  asio::awaitable<RequestBodyResult> relay_request_body(
      http::request_parser<http::buffer_body>& parser, bool chunked, UpstreamConnection& upstream,
      const config::RouteConfig& route, ExchangeState& exchange) {
    RequestBodyResult result;
    BorrowedBuffer piece(worker_.buffers);
    BodyFramer framer(chunked);
    auto& body = parser.get().body();
    bool last = false;
    while (!last) {
      body.data = piece.data();
      body.size = RelayBuffers::kSize;
      error_code ec;
      {
        OperationDeadline deadline(slot_.client_read_deadline, route.request_timeout);
        std::tie(ec, std::ignore) = co_await http::async_read(client_, buffer_, parser, nothrow);
      }
      if (ec == http::error::need_buffer) ec = {};
      if (exchange.response_finished) co_return result;
      if (ec) {
        result.client_error = ec;
        exchange.request_failed = true;
        error_code ignored;
        upstream.socket.close(ignored);  // the upstream must not see half a request as whole
        co_return result;
      }
      const std::string_view received(piece.data(), RelayBuffers::kSize - body.size);
      last = parser.is_done();
      BodyFramer::Buffers wire;
      const std::size_t count = framer.frame(received, last, wire, 0);
      result.bytes += received.size();
      if (count == 0) continue;
      error_code wec;
      {
        OperationDeadline deadline(slot_.upstream_write_deadline, route.request_timeout);
        std::tie(wec, std::ignore) = co_await asio::async_write(
            upstream.socket, std::span<const asio::const_buffer>(wire.data(), count), nothrow);
      }
      // The upstream's time to answer counts from the last byte of the request it got.
      if (slot_.upstream_read_deadline != Clock::time_point::max()) {
        slot_.upstream_read_deadline = Clock::now() + route.request_timeout;
      }
      if (exchange.response_finished) co_return result;
      if (wec) {
        // The upstream stopped reading; its response (if any) is still relayed.
        result.upstream_error = wec;
        co_return result;
      }
    }
    result.complete = true;
    co_return result;
  }

  // Response: upstream -> client, header and first piece in one write.
  asio::awaitable<ResponseResult> relay_response(UpstreamConnection& upstream,
                                                 const config::RouteConfig& route,
                                                 bool client_keep_alive, ExchangeState& exchange) {
    ResponseResult result;
    std::optional<http::response_parser<http::buffer_body>> parser;
    for (;;) {
      parser.emplace();
      parser->header_limit(kMaxUpstreamHeaderBytes);
      parser->body_limit(boost::none);
      if (head_request_) parser->skip(true);
      error_code ec;
      {
        OperationDeadline deadline(slot_.upstream_read_deadline, route.request_timeout);
        std::tie(ec, std::ignore) =
            co_await http::async_read_header(upstream.socket, upstream.buffer, *parser, nothrow);
      }
      if (ec) {
        result.upstream_error = exchange.request_failed ? asio::error::operation_aborted : ec;
        co_return finish_response(result, exchange, upstream);
      }
      const unsigned status = parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
      // 100 Continue, 103 Early Hints: pass them on and wait for the final response.
      write_response_head(parser->get(), Framing{}, ConnectionDirective::none, response_head_);
      error_code wec;
      {
        OperationDeadline deadline(slot_.client_write_deadline, route.request_timeout);
        std::tie(wec, std::ignore) =
            co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
      }
      if (wec) {
        result.client_error = wec;
        co_return finish_response(result, exchange, upstream);
      }
    }
    result.upstream_header_received = true;

    auto& response = parser->get();
    result.status = response.result_int();
    if (result.status == 101) {
      result.upstream_error = http::error::bad_version;  // Upgrade was never forwarded
      co_return finish_response(result, exchange, upstream);
    }
    const bool upstream_keep_alive = response.keep_alive();
    const bool bodyless = head_request_ || result.status == 204 || result.status == 304;
    result.close_client = !client_keep_alive || worker_.draining;
    // HEAD and 304 keep the length the upstream announced; a body is sized as received,
    // or chunked when its length is unknown — except towards an HTTP/1.0 client, which
    // knows no chunks: there the end of the body is the close.
    Framing framing{false, to_std(parser->content_length())};
    if (!bodyless && !framing.content_length) {
      if (client_version_ >= 11) {
        framing.chunked = true;
      } else {
        result.close_client = true;
      }
    }
    ConnectionDirective connection = ConnectionDirective::none;
    if (result.close_client) {
      connection = ConnectionDirective::close;
    } else if (client_version_ == 10) {
      connection = ConnectionDirective::keep_alive;
    }
    write_response_head(response, framing, connection, response_head_, injected_);
    const bool chunked_out = framing.chunked;
    if (plan_.response_delay.count() > 0) {
      result.injected_wait += co_await wait_on_purpose(plan_.response_delay);
    }
    BodyShaping shaping(plan_, rng_, to_std(parser->content_length()));

    if (bodyless) {
      result.upstream_done = Clock::now();
      error_code wec;
      {
        OperationDeadline deadline(slot_.client_write_deadline, route.request_timeout);
        std::tie(wec, std::ignore) =
            co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
      }
      result.client_error = wec;
      result.header_sent = !wec;
      result.complete = !wec;
      result.upstream_reusable = upstream_keep_alive && parser->is_done();
      co_return finish_response(result, exchange, upstream);
    }

    // The head goes out with the first piece of the body, in one write.
    BorrowedBuffer piece(worker_.buffers);
    BodyFramer framer(chunked_out);
    auto& body = response.body();
    bool last = false;
    while (!last) {
      std::string_view received;
      if (!parser->is_done()) {
        body.data = piece.data();
        body.size = shaping.piece_size(RelayBuffers::kSize);
        error_code ec;
        {
          OperationDeadline deadline(slot_.upstream_read_deadline, route.request_timeout);
          std::tie(ec, std::ignore) =
              co_await http::async_read(upstream.socket, upstream.buffer, *parser, nothrow);
        }
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
          result.upstream_error = exchange.request_failed ? asio::error::operation_aborted : ec;
          co_return finish_response(result, exchange, upstream);
        }
        received =
            std::string_view(piece.data(), shaping.piece_size(RelayBuffers::kSize) - body.size);
      }
      last = parser->is_done();
      if (last) result.upstream_done = Clock::now();
      shaping.corrupt(piece.data(), received.size());
      const bool truncated = shaping.truncate(received);
      BodyFramer::Buffers wire;
      std::size_t count = 0;
      if (!result.header_sent) wire[count++] = asio::buffer(response_head_);
      count = framer.frame(received, last && !truncated, wire, count);
      result.bytes += received.size();
      if (const auto pause = shaping.pause_before(received.size()); pause.count() > 0) {
        const auto waited = co_await wait_on_purpose(pause);
        // Only waits before the upstream's last byte would inflate its measured time.
        if (!last) result.injected_wait += waited;
      }
      if (count == 0 && !truncated) continue;
      error_code wec;
      {
        OperationDeadline deadline(slot_.client_write_deadline, route.request_timeout);
        std::tie(wec, std::ignore) = co_await asio::async_write(
            client_, std::span<const asio::const_buffer>(wire.data(), count), nothrow);
      }
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
    result.upstream_reusable = upstream_keep_alive;
    co_return finish_response(result, exchange, upstream);
  }

  // Fills plan_ for this request: the active profile's rules, plus those its headers force
  // when header_control is on. Requests on a profile without rules draw no random numbers.
  void decide_faults(const Snapshot& snapshot, const config::RouteConfig& route,
                     const http::request<http::buffer_body>& request, std::string_view path,
                     std::string_view host) {
    if (!snapshot.faults_enabled) return;  // the kill switch
    const bool header_control = snapshot.config->faults.header_control;
    if (snapshot.active_profile->rules.empty() && !header_control) return;
    headers_.clear();
    for (const auto& field : request) headers_.push_back({field.name_string(), field.value()});
    const faults::RequestView view{request.method_string(), path, host, route.name, headers_};
    faults::HeaderControl control;
    if (header_control) {
      control = faults::parse_header_control(headers_);
      for (const auto& problem : control.problems) spdlog::debug("header control: {}", problem);
    }
    rng_ = worker_.faults->next_request_rng();
    plan_ = faults::decide(*snapshot.active_profile, view, rng_, control.rules);
  }

  // Waits on purpose (an injected delay or throttling) without holding the thread;
  // returns how long it waited.
  asio::awaitable<Clock::duration> wait_on_purpose(Clock::duration duration) {
    const auto start = Clock::now();
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(nothrow);
    co_return Clock::now() - start;
  }

  // Abort, reset or hang: the upstream is never contacted.
  asio::awaitable<bool> execute_terminal(bool keep_alive) {
    const auto& terminal = *plan_.terminal;
    if (const auto* abort = std::get_if<faults::Abort>(&terminal)) {
      keep_alive = keep_alive && !worker_.draining;
      http::response<http::string_body> response{static_cast<http::status>(abort->status), 11};
      response.set(http::field::server, "faultline");
      for (const auto& [name, value] : abort->headers) response.set(name, value);
      if (!abort->body.empty() && response.find(http::field::content_type) == response.end()) {
        response.set(http::field::content_type, "text/plain; charset=utf-8");
      }
      response.set("x-faultline-injected", injected_);
      response.body() = abort->body;
      response.prepare_payload();
      if (head_request_) response.body().clear();
      response.keep_alive(keep_alive);
      error_code ec;
      {
        OperationDeadline deadline(slot_.client_write_deadline,
                                   worker_.snapshot->config->server.header_timeout);
        std::tie(ec, std::ignore) = co_await http::async_write(client_, response, nothrow);
      }
      record_.status = static_cast<unsigned>(abort->status);
      record_.bytes_out = response.body().size();
      count_bytes(metrics::Side::client, metrics::Direction::out, record_.bytes_out);
      finish_record();
      co_return keep_alive && !ec;
    }
    record_.status = 0;  // no response reaches the client
    if (std::holds_alternative<faults::Reset>(terminal)) {
      // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
      error_code ignored;
      client_.set_option(asio::socket_base::linger(true, 0), ignored);
      client_.close(ignored);
      finish_record();
      co_return false;
    }
    const auto& hang = std::get<faults::Hang>(terminal);
    slot_.idle = true;  // nothing is in flight: a drain may close it
    if (hang.duration) {
      asio::steady_timer timer(co_await asio::this_coro::executor, *hang.duration);
      co_await (timer.async_wait(nothrow) || wait_until_client_leaves());
    } else {
      co_await wait_until_client_leaves();
    }
    slot_.idle = false;
    finish_record();
    co_return false;  // closed without a response
  }

  // Reads and discards until the client closes (or the socket is closed under us).
  asio::awaitable<void> wait_until_client_leaves() {
    char scratch[1024];
    for (;;) {
      auto [ec, n] = co_await client_.async_read_some(asio::buffer(scratch), nothrow);
      if (ec) co_return;
    }
  }

  // The response half is over: whatever the request half is still waiting for (more body
  // from the client, room at the upstream) will not be needed.
  ResponseResult finish_response(ResponseResult result, ExchangeState& exchange,
                                 UpstreamConnection& upstream) {
    exchange.response_finished = true;
    error_code ignored;
    client_.cancel(ignored);
    upstream.socket.cancel(ignored);
    if (result.upstream_done == Clock::time_point{}) result.upstream_done = Clock::now();
    return result;
  }

  // The request header could not be read: say why when it helps the client.
  asio::awaitable<bool> answer_unreadable_request(const error_code& ec,
                                                  const config::ServerConfig& server) {
    method_.clear();
    path_.clear();
    route_name_.clear();
    if (ec == http::error::header_limit) {
      co_await reply_locally(431,
                             "request header larger than max_header_bytes (" +
                                 std::to_string(server.max_header_bytes) + ")",
                             false);
    } else if (ec == http::error::body_limit) {
      co_await reply_locally(
          413,
          "request body larger than max_body_bytes (" + std::to_string(server.max_body_bytes) + ")",
          false);
    } else if (!is_disconnect(ec)) {
      co_await reply_locally(400, "malformed request: " + ec.message(), false);
    }
    co_return false;  // a timed-out or vanished client gets nothing: the socket is gone
  }

  // A response faultline makes itself (no route, upstream failures, bad requests).
  asio::awaitable<bool> reply_locally(unsigned status, std::string reason, bool keep_alive) {
    keep_alive = keep_alive && !worker_.draining;
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::server, "faultline");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "faultline: " + reason + "\n";
    response.prepare_payload();
    if (head_request_) response.body().clear();  // RFC 9110 §9.3.2: HEAD gets no body
    response.keep_alive(keep_alive);
    error_code ec;
    {
      OperationDeadline deadline(slot_.client_write_deadline,
                                 worker_.snapshot->config->server.header_timeout);
      std::tie(ec, std::ignore) = co_await http::async_write(client_, response, nothrow);
    }
    record_.status = status;
    record_.bytes_out = response.body().size();
    count_bytes(metrics::Side::client, metrics::Direction::out, record_.bytes_out);
    record_.error = reason;
    finish_record();
    co_return keep_alive && !ec;
  }

  void count_bytes(metrics::Side side, metrics::Direction direction, std::uint64_t bytes) {
    worker_.metrics->network_bytes_add(worker_.index, side, direction, bytes);
  }

  // An upstream failure: counted by reason, and it decides the request's outcome.
  void count_upstream_error(metrics::UpstreamErrorReason reason) {
    if (route_metrics_ != nullptr) route_metrics_->record_upstream_error(worker_.index, reason);
    outcome_ = reason == metrics::UpstreamErrorReason::timeout ? metrics::Outcome::timeout
                                                               : metrics::Outcome::upstream_error;
  }

  static metrics::UpstreamErrorReason upstream_error_reason(const error_code& ec) {
    if (ec == asio::error::timed_out) return metrics::UpstreamErrorReason::timeout;
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return metrics::UpstreamErrorReason::protocol;
    }
    return metrics::UpstreamErrorReason::reset;
  }

  // Every request ends here exactly once: counted, timed, and logged.
  void finish_record() {
    const auto total =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_);
    metrics::RouteMetrics& route =
        route_metrics_ != nullptr ? *route_metrics_ : *worker_.snapshot->unmatched_metrics;
    route.record_request(worker_.index, metrics::method_from_string(method_), record_.status,
                         outcome_, total, upstream_duration_);
    if (worker_.access_log == nullptr) return;
    record_.time = started_wall_;
    record_.route = route_name_;
    record_.faults = injected_;
    record_.injected_delay_ms =
        std::chrono::duration<double, std::milli>(plan_.request_delay + plan_.response_delay)
            .count();
    record_.method = method_;
    record_.path = path_;
    record_.total_ms = milliseconds_between(started_, Clock::now());
    worker_.access_log->write(record_);
  }

  WorkerState& worker_;
  tcp::socket client_;
  beast::flat_buffer buffer_;  // may hold the start of the next (pipelined) request
  SessionSlot slot_;
  SessionRegistration registration_;
  std::string client_address_;
  unsigned client_version_ = 11;
  bool head_request_ = false;
  std::string request_head_, response_head_;  // serialized heads, reused across requests

  // About the request in progress, for the access log.
  AccessRecord record_;
  std::string method_, path_, route_name_;
  metrics::RouteMetrics* route_metrics_ = nullptr;  // nullptr until a route matched
  metrics::Outcome outcome_ = metrics::Outcome::ok;
  std::optional<std::chrono::nanoseconds> upstream_duration_;  // send to last body byte

  // Fault injection for the request in progress.
  faults::FaultPlan plan_;
  faults::Rng rng_{0};                   // the request's own stream (see FaultRuntime)
  std::string injected_;                 // x-faultline-injected: the rules applied
  std::vector<faults::Header> headers_;  // reused: the request's headers for the matchers
  Clock::time_point started_, upstream_started_;
  std::chrono::system_clock::time_point started_wall_;
};

}  // namespace

asio::awaitable<void> run_client_session(WorkerState& worker, tcp::socket socket) {
  ClientSession session(worker, std::move(socket));
  co_await session.run();
}

}  // namespace faultline::proxy
