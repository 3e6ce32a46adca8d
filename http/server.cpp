// The admin listener's connections: heads and bodies are read through the same HTTP/1.1
// rules as the proxy's (head_parser, body_decoder), with the same limits (ServerLimits).
#include "http/server.hpp"

#include <cstring>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "http/body_decoder.hpp"
#include "http/handler.hpp"
#include "http/head_parser.hpp"
#include "net/listener.hpp"

namespace faultline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// Between keep-alive requests a connection may wait this long; a body may stall this long.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// After refusing a request, what the client still sends is read and dropped for up to
// this long, so the refusal reaches it before a close with unread data (an RST) could.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kReadSize = 16 * 1024;

std::string_view view_of(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

struct Answer {
  Response response;
  bool head_request = false;
  bool keep_alive = false;
  unsigned version = 11;
};

Answer refusal(unsigned status, std::string reason) {
  Answer answer;
  answer.response.status = status;
  answer.response.body = "faultline: " + reason + "\n";
  return answer;
}

class AdminConnection {
 public:
  AdminConnection(tcp::socket socket, const Handler& handler, const ServerLimits& limits)
      : stream_(std::move(socket)), handler_(handler), limits_(limits) {}

  asio::awaitable<void> run() {
    for (bool first = true;; first = false) {
      Answer answer = co_await read_and_handle(first);
      if (answer.response.status == 0) break;  // the client left, or timed out
      if (!co_await write(answer) || !answer.keep_alive) {
        if (!answer.keep_alive) co_await linger();
        break;
      }
    }
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  asio::awaitable<Answer> read_and_handle(bool first) {
    // The head: header_timeout for all of it, from the connection's start or from the
    // first byte of a keep-alive request.
    auto head_deadline = std::chrono::steady_clock::now() + limits_.header_timeout;
    if (!first && buffer_.size() == 0) {
      stream_.expires_after(kIdleTimeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadSize), nothrow);
      if (ec) co_return Answer{};
      buffer_.commit(n);
      head_deadline = std::chrono::steady_clock::now() + limits_.header_timeout;
    }
    std::size_t head_size = std::string_view::npos, scanned = 0;
    while ((head_size = find_head_end(view_of(buffer_).substr(0, limits_.max_header_bytes),
                                      scanned)) == std::string_view::npos) {
      if (buffer_.size() >= limits_.max_header_bytes) {
        co_return refusal(431, "request header larger than max_header_bytes (" +
                                   std::to_string(limits_.max_header_bytes) + ")");
      }
      scanned = buffer_.size();
      stream_.expires_at(head_deadline);
      auto [ec, n] = co_await stream_.async_read_some(
          buffer_.prepare(std::min(kReadSize, limits_.max_header_bytes - buffer_.size())), nothrow);
      if (ec) co_return Answer{};
      buffer_.commit(n);
    }
    const HeadResult result = parse_head(view_of(buffer_).substr(0, head_size), HeadKind::request);
    if (const auto* refused = std::get_if<HeadError>(&result))
      co_return refusal(refused->status, refused->reason);
    const auto& head = std::get<ParsedHead>(result);
    Request request{std::string(head.method),
                    std::string(head.target),
                    std::string(head.field("authorization").value_or("")),
                    {},
                    std::string(head.field("user-agent").value_or(""))};
    Answer answer;
    answer.head_request = head.method == "HEAD";
    answer.keep_alive = head.keep_alive && !head.close_after;
    answer.version = head.version;
    if (head.framing == BodyFraming::length && head.content_length > limits_.max_body_bytes)
      co_return too_large();
    BodyDecoder body(head.framing, head.content_length, limits_.max_header_bytes);
    buffer_.consume(head_size);  // `head` points into the buffer: not used below
    if (!co_await read_body(body, request.body)) {
      if (request.body.size() > limits_.max_body_bytes) co_return too_large();
      if (body.failed())
        co_return refusal(400, "malformed request body: " + std::string(body.error()));
      co_return Answer{};
    }
    answer.response = handler_.handle(request);
    co_return answer;
  }

  Answer too_large() const {
    return refusal(413,
                   "request body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  }

  // Reads the body into `out`; false on a broken body, a vanished client, or past the cap.
  asio::awaitable<bool> read_body(BodyDecoder& body, std::string& out) {
    char piece[kReadSize];
    while (!body.done()) {
      if (buffer_.size() == 0) {
        stream_.expires_after(kIdleTimeout);
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadSize), nothrow);
        if (ec == asio::error::eof) body.end_of_input();
        if (ec) co_return body.done();
        buffer_.commit(n);
      }
      // Decoded in a copy: the bytes past the body stay in buffer_ for the next request.
      const std::size_t n = std::min(buffer_.size(), sizeof piece);
      std::memcpy(piece, buffer_.data().data(), n);
      const auto step = body.decode(piece, n);
      buffer_.consume(step.consumed);
      if (body.failed()) co_return false;
      out.append(piece, step.data);
      if (out.size() > limits_.max_body_bytes) co_return false;
    }
    co_return true;
  }

  asio::awaitable<bool> write(const Answer& answer) {
    beast_http::response<beast_http::string_body> response{
        static_cast<beast_http::status>(answer.response.status), answer.version};
    response.set(beast_http::field::server, "faultline");
    response.set(beast_http::field::content_type, answer.response.content_type);
    if (!answer.response.allow.empty())
      response.set(beast_http::field::allow, answer.response.allow);
    if (!answer.response.www_authenticate.empty()) {
      response.set(beast_http::field::www_authenticate, answer.response.www_authenticate);
    }
    response.body() = answer.response.body;
    response.prepare_payload();
    if (answer.head_request) response.body().clear();
    response.keep_alive(answer.keep_alive);
    stream_.expires_after(kIdleTimeout);
    auto [ec, n] = co_await beast_http::async_write(stream_, response, nothrow);
    co_return !ec;
  }

  // Half-closes, then drops what the client still sends until it closes or kLingerTime
  // passes: a refused upload then sees the answer instead of a reset.
  asio::awaitable<void> linger() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    char scratch[kReadSize];
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), nothrow);
      if (ec) break;
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const Handler& handler_;
  const ServerLimits& limits_;
};

asio::awaitable<void> tick_every_second(const Handler& handler) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) break;
    handler.every_second();
  }
}

asio::awaitable<void> serve_admin_connection(tcp::socket socket, const Handler& handler,
                                             const ServerLimits& limits) {
  AdminConnection connection(std::move(socket), handler, limits);
  co_await connection.run();
}

asio::awaitable<void> accept_admin(tcp::acceptor& acceptor, const Handler& handler,
                                   const ServerLimits& limits) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(),
                   serve_admin_connection(std::move(socket), handler, limits), asio::detached);
  }
}

}  // namespace

struct Server::Impl {
  Impl(const faultline::HostPort& l, const Handler& h, ServerLimits s)
      : listen(l), handler(h), limits(s) {}
  faultline::HostPort listen;
  const Handler& handler;
  ServerLimits limits;
  asio::io_context context{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
};

Server::Server(const faultline::HostPort& listen, const Handler& handler, ServerLimits limits)
    : impl_(std::make_unique<Impl>(listen, handler, limits)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  impl_->acceptor.emplace(net::open_acceptor(impl_->context, impl_->listen));
  asio::co_spawn(impl_->context, accept_admin(*impl_->acceptor, impl_->handler, impl_->limits),
                 asio::detached);
  asio::co_spawn(impl_->context, tick_every_second(impl_->handler), asio::detached);
  impl_->thread = std::thread([this] { impl_->context.run(); });
}

std::string Server::address() const {
  return net::to_string(impl_->acceptor->local_endpoint());
}

void Server::stop() {
  impl_->context.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace faultline::http
