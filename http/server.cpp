#include "http/server.hpp"

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

#include "http/handler.hpp"
#include "net/listener.hpp"

namespace faultline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kAdminTimeout = std::chrono::seconds(30);
constexpr std::uint64_t kMaxAdminBody = 1 << 20;

asio::awaitable<void> serve_admin_connection(tcp::socket socket, const Handler& handler) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.body_limit(kMaxAdminBody);
    stream.expires_after(kAdminTimeout);
    auto [ec, n] = co_await beast_http::async_read(stream, buffer, parser, nothrow);
    if (ec) break;
    const auto& request = parser.get();
    Request admin_request{std::string(request.method_string()), std::string(request.target()),
                          std::string(request[beast_http::field::authorization]), request.body()};
    Response answer = handler.handle(admin_request);
    beast_http::response<beast_http::string_body> response{
        static_cast<beast_http::status>(answer.status), request.version()};
    response.set(beast_http::field::server, "faultline");
    response.set(beast_http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) response.set(beast_http::field::allow, answer.allow);
    if (!answer.www_authenticate.empty()) {
      response.set(beast_http::field::www_authenticate, answer.www_authenticate);
    }
    response.body() = std::move(answer.body);
    response.prepare_payload();
    if (request.method() == beast_http::verb::head) response.body().clear();
    response.keep_alive(request.keep_alive());
    auto [wec, m] = co_await beast_http::async_write(stream, response, nothrow);
    if (wec || !request.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> tick_every_second(const Handler& handler) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) break;
    handler.every_second();
  }
}

asio::awaitable<void> accept_admin(tcp::acceptor& acceptor, const Handler& handler) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve_admin_connection(std::move(socket), handler),
                   asio::detached);
  }
}

}  // namespace

struct Server::Impl {
  Impl(const faultline::HostPort& l, const Handler& h) : listen(l), handler(h) {}
  faultline::HostPort listen;
  const Handler& handler;
  asio::io_context context{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
};

Server::Server(const faultline::HostPort& listen, const Handler& handler)
    : impl_(std::make_unique<Impl>(listen, handler)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  impl_->acceptor.emplace(net::open_acceptor(impl_->context, impl_->listen));
  asio::co_spawn(impl_->context, accept_admin(*impl_->acceptor, impl_->handler), asio::detached);
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
