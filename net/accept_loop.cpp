#include "net/accept_loop.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace faultline::net {

namespace asio = boost::asio;

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, WorkerThreads& workers,
                                  ConnectionHandler serve) {
  constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
  std::size_t next = 0;
  while (acceptor.is_open()) {
    const std::size_t worker = next++ % workers.size();
    auto [ec, socket] = co_await acceptor.async_accept(workers.context(worker), nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // Out of file descriptors or similar: back off briefly instead of spinning.
      spdlog::warn("accept on {} failed: {}", acceptor.local_endpoint().port(), ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(nothrow);
      continue;
    }
    asio::co_spawn(workers.context(worker), serve(worker, std::move(socket)), asio::detached);
  }
}

}  // namespace faultline::net
