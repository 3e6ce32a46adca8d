#include "echo/echo_server.hpp"

#include <atomic>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "echo/echo_session.hpp"
#include "net/accept_loop.hpp"
#include "net/listener.hpp"
#include "net/worker_threads.hpp"

namespace faultline::echo {

using detail::EchoSession;
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

asio::awaitable<void> serve_plain(tcp::socket socket, std::uint64_t id) {
  EchoSession<beast::tcp_stream> session(beast::tcp_stream(std::move(socket)), id);
  co_await session.run();
}

// The context outlives the session: the server holds it until its workers are joined.
asio::awaitable<void> serve_tls(tcp::socket socket, asio::ssl::context& context, std::uint64_t id) {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  EchoSession<TlsStream> session(TlsStream(beast::tcp_stream(std::move(socket)), context), id);
  co_await session.run();
}

}  // namespace

struct EchoServer::Impl {
  Impl(faultline::HostPort l, unsigned threads, std::shared_ptr<asio::ssl::context> tls)
      : listen(std::move(l)), tls(std::move(tls)), workers(threads) {}
  faultline::HostPort listen;
  std::shared_ptr<asio::ssl::context> tls;
  net::WorkerThreads workers;
  std::optional<tcp::acceptor> acceptor;
  std::atomic<std::uint64_t> next_connection_id{1};
};

EchoServer::EchoServer(faultline::HostPort listen, unsigned threads,
                       std::shared_ptr<boost::asio::ssl::context> tls)
    : impl_(std::make_unique<Impl>(std::move(listen), threads, std::move(tls))) {}

EchoServer::~EchoServer() {
  stop();
}

void EchoServer::start() {
  auto& impl = *impl_;
  impl.acceptor.emplace(net::open_acceptor(impl.workers.context(0), impl.listen));
  asio::co_spawn(impl.workers.context(0),
                 net::accept_loop(*impl.acceptor, impl.workers,
                                  [&impl](std::size_t, tcp::socket socket) {
                                    const std::uint64_t id = impl.next_connection_id.fetch_add(1);
                                    return impl.tls ? serve_tls(std::move(socket), *impl.tls, id)
                                                    : serve_plain(std::move(socket), id);
                                  }),
                 asio::detached);
  impl.workers.start();
  spdlog::info("echo listening on {} ({} threads{})", address(), impl.workers.size(),
               impl.tls ? ", TLS" : "");
}

std::string EchoServer::address() const {
  return net::to_string(impl_->acceptor->local_endpoint());
}

void EchoServer::stop() {
  impl_->workers.stop_now();
  impl_->workers.join();
}

}  // namespace faultline::echo
