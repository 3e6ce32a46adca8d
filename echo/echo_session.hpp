// The HTTP side of `faultline echo` (echo_server.hpp lists the endpoints): one coroutine
// per connection, over plain TCP or TLS. Included by echo_server.cpp only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "echo/echo_requests.hpp"
#include "net/tls_failure.hpp"

namespace faultline::echo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

inline constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
inline constexpr auto kIdleTimeout = std::chrono::seconds(120);
inline constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
inline constexpr auto kShutdownTimeout = std::chrono::seconds(2);
inline constexpr std::uint64_t kMaxDelayMs = 3'600'000;
inline constexpr std::uint64_t kMaxEvents = 1'000'000;

// One client connection: reads requests, answers them, until the client stops keeping it
// alive. `Stream` is beast::tcp_stream, or beast::ssl_stream over one for `--tls-cert`.
template <class Stream>
class EchoSession {
 public:
  EchoSession(Stream stream, std::uint64_t id) : stream_(std::move(stream)), id_(id) {
    error_code ignored;
    lowest().socket().set_option(tcp::no_delay(true), ignored);
  }

  asio::awaitable<void> run() {
    if constexpr (kTls) {
      lowest().expires_after(kHandshakeTimeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, nothrow);
      if (ec) {
        const auto failure =
            net::describe_tls_failure(ec, stream_.native_handle(), ec == beast::error::timeout);
        spdlog::debug("echo connection {}: {}", id_, failure.message);
        co_return;
      }
    }
    for (;;) {
      http::request_parser<http::buffer_body> parser;
      parser.body_limit(boost::none);
      lowest().expires_after(kIdleTimeout);
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, nothrow);
      if (ec) break;
      keep_alive_ = parser.get().keep_alive();
      head_ = parser.get().method() == http::verb::head;
      version_ = parser.get().version();
      const bool ok = parser.is_done() ? co_await answer(parser.get()) : co_await echo_body(parser);
      if (!ok || !keep_alive_) break;
    }
    if constexpr (kTls) {
      // close_notify, then the peer's (bounded: a client may close without answering).
      lowest().expires_after(kShutdownTimeout);
      co_await stream_.async_shutdown(nothrow);
    }
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  template <class Body>
  void stamp(http::response<Body>& response) {
    response.version(version_);
    response.set("x-echo-connection", std::to_string(id_));
    response.keep_alive(keep_alive_);
  }

  asio::awaitable<bool> send_text(http::status status, std::string body) {
    http::response<http::string_body> response{status, version_};
    response.set(http::field::content_type, "text/plain");
    response.body() = std::move(body);
    response.prepare_payload();
    if (head_) response.body().clear();  // HEAD: the length of the body, not the body
    stamp(response);
    lowest().expires_after(kIdleTimeout);
    auto [ec, n] = co_await http::async_write(stream_, response, nothrow);
    co_return !ec;
  }

  asio::awaitable<bool> answer(const http::request<http::buffer_body>& request) {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path.starts_with("/status/")) {
      auto code = number_after(path, "/status/");
      if (!code || *code < 200 || *code > 599) {
        co_return co_await send_text(http::status::bad_request, "status must be 200..599\n");
      }
      const auto status = static_cast<http::status>(*code);
      // Built before the co_await: GCC 12 destroys a temporary of a conditional
      // expression inside a co_await twice.
      std::string body;
      if (*code != 204 && *code != 304) body = std::string(http::obsolete_reason(status)) + "\n";
      co_return co_await send_text(status, std::move(body));
    }
    if (path.starts_with("/delay/")) {
      auto ms = number_after(path, "/delay/");
      if (!ms || *ms > kMaxDelayMs) {
        co_return co_await send_text(http::status::bad_request, "delay must be 0..3600000 ms\n");
      }
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(*ms));
      co_await timer.async_wait(nothrow);
      co_return co_await send_text(http::status::ok, "ok");
    }
    if (path.starts_with("/bytes/")) {
      auto count = number_after(path, "/bytes/");
      if (!count)
        co_return co_await send_text(http::status::bad_request, "bytes must be a number\n");
      co_return co_await send_pattern(*count, request.method() == http::verb::head);
    }
    if (path.starts_with("/stream/")) {
      auto count = number_after(path, "/stream/");
      const std::string_view query =
          target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);
      const auto every_text = query_parameter(query, "every");
      auto every = every_text ? parse_number(*every_text) : std::optional<std::uint64_t>(1000);
      if (!count || *count > kMaxEvents || !every || *every > kMaxDelayMs) {
        co_return co_await send_text(http::status::bad_request,
                                     "stream wants /stream/{0..1000000}?every={0..3600000 ms}\n");
      }
      co_return co_await send_events(*count, std::chrono::milliseconds(*every),
                                     request.method() == http::verb::head);
    }
    if (path == "/headers") {
      std::string listing;
      for (const auto& field : request) {
        listing += field.name_string();
        listing += ": ";
        listing += field.value();
        listing += '\n';
      }
      co_return co_await send_text(http::status::ok, std::move(listing));
    }
    co_return co_await send_text(http::status::ok, "ok");
  }

  // Writes what the buffer body holds now; false once the client is gone.
  asio::awaitable<bool> write_body_piece(http::response_serializer<http::buffer_body>& serializer) {
    lowest().expires_after(kIdleTimeout);
    auto [ec, n] = co_await http::async_write(stream_, serializer, nothrow);
    co_return !ec || ec == http::error::need_buffer;
  }

  asio::awaitable<bool> send_pattern(std::uint64_t count, bool head) {
    http::response<http::buffer_body> response{http::status::ok, version_};
    response.set(http::field::content_type, "application/octet-stream");
    response.content_length(count);
    stamp(response);
    http::response_serializer<http::buffer_body> serializer{response};
    if (head) {
      auto [ec, n] = co_await http::async_write_header(stream_, serializer, nothrow);
      co_return !ec;
    }
    const auto& piece = pattern_piece();
    std::uint64_t remaining = count;
    do {
      const std::size_t size =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining, piece.size()));
      remaining -= size;
      response.body().data = size ? const_cast<char*>(piece.data()) : nullptr;
      response.body().size = size;
      response.body().more = remaining != 0;
      if (!co_await write_body_piece(serializer)) co_return false;
    } while (!serializer.is_done());
    co_return true;
  }

  // /stream/{n}?every={ms}: n server-sent events; event i is written, as a chunk of its
  // own, i * every after the head (on a fixed schedule, so waits do not add up). An
  // HTTP/1.0 client gets the events unframed and the close as the end.
  asio::awaitable<bool> send_events(std::uint64_t count, std::chrono::milliseconds every,
                                    bool head) {
    http::response<http::buffer_body> response{http::status::ok, version_};
    response.set(http::field::content_type, "text/event-stream");
    response.set(http::field::cache_control, "no-cache");
    if (version_ >= 11) {
      response.chunked(true);
    } else {
      keep_alive_ = false;
    }
    stamp(response);
    http::response_serializer<http::buffer_body> serializer{response};
    lowest().expires_after(kIdleTimeout);
    auto [head_error, head_bytes] = co_await http::async_write_header(stream_, serializer, nothrow);
    if (head_error || head) co_return !head_error;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto start = std::chrono::steady_clock::now();
    std::string event;
    for (std::uint64_t i = 0; i <= count; ++i) {
      auto& body = response.body();
      if (i < count) {
        timer.expires_at(start + every * static_cast<std::int64_t>(i));
        co_await timer.async_wait(nothrow);
        event = "id: " + std::to_string(i) + "\ndata: event " + std::to_string(i + 1) + " of " +
                std::to_string(count) + "\n\n";
        body.data = event.data();
        body.size = event.size();
        body.more = true;
      } else {
        body.data = nullptr;
        body.size = 0;
        body.more = false;
      }
      if (!co_await write_body_piece(serializer)) co_return false;
    }
    co_return true;
  }

  // Writes each piece of the request body back as it arrives: a client sending a large
  // body must read the response while it sends.
  asio::awaitable<bool> echo_body(http::request_parser<http::buffer_body>& parser) {
    http::response<http::buffer_body> response{http::status::ok, version_};
    const auto& request = parser.get();
    if (auto type = request.find(http::field::content_type); type != request.end()) {
      response.set(http::field::content_type, type->value());
    }
    if (auto length = parser.content_length()) {
      response.content_length(*length);
    } else {
      response.chunked(true);
    }
    stamp(response);
    http::response_serializer<http::buffer_body> serializer{response};
    std::array<char, 64 * 1024> piece;
    auto& in = parser.get().body();
    do {
      if (!parser.is_done()) {
        in.data = piece.data();
        in.size = piece.size();
        lowest().expires_after(kIdleTimeout);
        auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, nothrow);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return false;
        response.body().data = piece.data();
        response.body().size = piece.size() - in.size;
        response.body().more = !parser.is_done();
      } else {
        response.body().data = nullptr;
        response.body().size = 0;
        response.body().more = false;
      }
      if (!co_await write_body_piece(serializer)) co_return false;
    } while (!serializer.is_done());
    co_return true;
  }

  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::uint64_t id_;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace faultline::echo::detail
