// The hooks that execute a fault plan's actions around the transport: waiting on
// purpose, and the terminal actions that answer in the upstream's place. The response
// head and body hooks (modify, throttle, truncate, corrupt) are in response_relay.cpp.
#include <algorithm>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "base/text.hpp"
#include "proxy/client_session.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// Waits on purpose (an injected delay or throttling) without holding the thread;
// returns how long it waited.
asio::awaitable<Clock::duration> ClientSession::wait_on_purpose(Clock::duration duration) {
  const auto start = Clock::now();
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(nothrow);
  co_return Clock::now() - start;
}

// Abort, reset or hang: the upstream is never contacted. One branch per terminal action
// of the registry (the visit does not compile without each).
asio::awaitable<bool> ClientSession::execute_terminal(RequestContext& request, bool keep_alive) {
  struct Execute {
    ClientSession& session;
    RequestContext& request;
    bool keep_alive;

    asio::awaitable<bool> operator()(const faults::Abort& abort) {
      LocalResponse response{static_cast<unsigned>(abort.status), abort.body, abort.headers,
                             keep_alive};
      const bool typed = std::any_of(abort.headers.begin(), abort.headers.end(), [](const auto& f) {
        return iequals(f.first, "content-type");
      });
      if (!abort.body.empty() && !typed) {
        response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
      }
      response.headers.emplace_back("x-faultline-injected", request.injected);
      co_return co_await session.write_local(request, std::move(response));
    }
    asio::awaitable<bool> operator()(const faults::Reset&) {
      // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
      error_code ignored;
      session.client_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
      session.client_.socket().close(ignored);
      request.record();  // status 0: no response reaches the client
      co_return false;
    }
    asio::awaitable<bool> operator()(const faults::Hang& hang) {
      session.slot_.idle = true;  // nothing is in flight: a drain may close it
      if (hang.duration) {
        asio::steady_timer timer(co_await asio::this_coro::executor, *hang.duration);
        co_await (timer.async_wait(nothrow) || session.wait_until_client_leaves());
      } else {
        co_await session.wait_until_client_leaves();
      }
      session.slot_.idle = false;
      request.record();
      co_return false;  // closed without a response
    }
  };
  Execute execute{*this, request, keep_alive};
  co_return co_await std::visit(execute, *request.plan.terminal);
}

// Reads and discards until the client closes (or the socket is closed under us).
asio::awaitable<void> ClientSession::wait_until_client_leaves() {
  char scratch[1024];
  for (;;) {
    auto [ec, n] = co_await client_.read_some(asio::buffer(scratch));
    if (ec) co_return;
  }
}

}  // namespace faultline::proxy
