#include "proxy/body_splice.hpp"

#include <algorithm>
#include <limits>

#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
using Socket = net::ByteStream::Socket;

asio::awaitable<SplicedBody> splice_body(net::ByteStream& from, net::ByteStream& to,
                                         net::SplicePipe& pipe, std::uint64_t length,
                                         Clock::time_point& read_deadline,
                                         Clock::time_point& write_deadline, Clock::duration timeout,
                                         Clock::time_point* answer_deadline) {
  // Asio made both sockets O_NONBLOCK at their first asynchronous operation, which every
  // socket here has had (its head was read or written), so no splice call blocks.
  SplicedBody result;
  std::uint64_t left = length;  // still to take from `from`
  bool source_open = true;      // until `from` fails: what the pipe holds still goes out
  while ((source_open && left > 0) || pipe.held() > 0) {
    if (source_open && left > 0 && pipe.room() > 0) {
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(left, std::numeric_limits<std::size_t>::max()));
      auto [ec, n] = pipe.fill(from.socket().native_handle(), want);
      left -= n;
      if (left == 0) result.source_done = Clock::now();
      if (ec == asio::error::would_block && pipe.held() == 0) {
        auto [wait_error] = co_await OperationDeadline(read_deadline, timeout)
                                .around(from.socket().async_wait(Socket::wait_read, nothrow));
        if (wait_error) {
          result.read_error = wait_error;
          co_return result;
        }
        continue;
      }
      if (ec && ec != asio::error::would_block) {
        result.read_error = ec;
        source_open = false;
      }
    }
    if (pipe.held() == 0) continue;
    auto [ec, n] = pipe.drain(to.socket().native_handle());
    result.bytes += n;
    if (ec == asio::error::would_block) {
      auto [wait_error] = co_await OperationDeadline(write_deadline, timeout)
                              .around(to.socket().async_wait(Socket::wait_write, nothrow));
      ec = wait_error;
    }
    if (ec) {
      result.write_error = ec;
      co_return result;
    }
    if (answer_deadline != nullptr && *answer_deadline != Clock::time_point::max()) {
      *answer_deadline = Clock::now() + timeout;
    }
  }
  co_return result;
}

}  // namespace faultline::proxy
