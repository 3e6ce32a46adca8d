// A connection that is plain TCP or TLS over TCP, decided when it opens, with the few
// operations the data paths use. Each returns the same awaitable type on both branches,
// so a plain connection pays one branch per operation and no extra coroutine frame.
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace faultline::net {

class ByteStream {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using TlsStream = boost::asio::ssl::stream<Socket>;
  using Result = std::tuple<boost::system::error_code, std::size_t>;

  explicit ByteStream(Socket socket) : plain_(std::move(socket)) {}
  explicit ByteStream(boost::asio::any_io_executor executor) : plain_(executor) {}

  // The TCP socket under it: options, addresses, cancel and close (which also aborts a
  // TLS operation under way, as the watchdogs need).
  Socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  bool is_tls() const { return tls_ != nullptr; }
  // Only after start_tls.
  SSL* ssl() { return tls_->native_handle(); }

  // Wraps the connected socket in TLS (the handshake is the caller's next step).
  void start_tls(boost::asio::ssl::context& context) {
    tls_ = std::make_unique<TlsStream>(std::move(plain_), context);
  }

  boost::asio::awaitable<boost::system::error_code> handshake(TlsStream::handshake_type side) {
    auto [ec] = co_await tls_->async_handshake(side, as_result);
    co_return ec;
  }

  template <class MutableBuffers>
  boost::asio::awaitable<Result> read_some(const MutableBuffers& buffers) {
    return tls_ ? tls_->async_read_some(buffers, as_result)
                : plain_.async_read_some(buffers, as_result);
  }

  // Writes all of `buffers`.
  template <class ConstBuffers>
  boost::asio::awaitable<Result> write(const ConstBuffers& buffers) {
    return tls_ ? boost::asio::async_write(*tls_, buffers, as_result)
                : boost::asio::async_write(plain_, buffers, as_result);
  }

  // Waits until the socket has bytes to read, holding no buffer meanwhile. On TLS,
  // bytes already decrypted count too.
  boost::asio::awaitable<boost::system::error_code> wait_readable() {
    if (tls_ && SSL_pending(tls_->native_handle()) > 0) co_return boost::system::error_code{};
    auto [ec] = co_await socket().async_wait(Socket::wait_read, as_result);
    co_return ec;
  }

  // TLS: sends close_notify (waiting for the peer's answer is bounded by the caller's
  // deadline). Then, for both, ends our sending side.
  boost::asio::awaitable<void> shutdown() {
    boost::system::error_code ignored;
    if (tls_ && socket().is_open()) co_await tls_->async_shutdown(as_result);
    socket().shutdown(Socket::shutdown_send, ignored);
  }

 private:
  static constexpr auto as_result = boost::asio::as_tuple(boost::asio::use_awaitable);
  Socket plain_;
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace faultline::net
