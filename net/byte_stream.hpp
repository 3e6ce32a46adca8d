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
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/tls_stream.hpp"

namespace faultline::net {

class ByteStream {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using Result = std::tuple<boost::system::error_code, std::size_t>;

  explicit ByteStream(Socket socket) : plain_(std::move(socket)) {}
  explicit ByteStream(boost::asio::any_io_executor executor) : plain_(executor) {}

  // The TCP socket under it: options, addresses, cancel and close (which also ends a TLS
  // operation under way, as the watchdogs need).
  Socket& socket() { return tls_ ? tls_->socket() : plain_; }
  bool is_tls() const { return tls_ != nullptr; }
  // Only after start_tls.
  SSL* ssl() { return tls_->ssl(); }
  // TLS bytes already read from the socket and not yet returned by read_some.
  bool has_pending() const { return tls_ && tls_->has_pending(); }

  // Wraps the connected socket in TLS (the handshake is the caller's next step).
  void start_tls(SSL_CTX* context) {
    tls_ = std::make_unique<TlsStream>(std::move(plain_), context);
  }

  boost::asio::awaitable<boost::system::error_code> handshake(TlsStream::Side side) {
    return tls_->handshake(side);
  }

  template <class MutableBuffers>
  boost::asio::awaitable<Result> read_some(const MutableBuffers& buffers) {
    return tls_ ? tls_->read_some(buffers) : plain_.async_read_some(buffers, as_result);
  }

  // Writes all of `buffers`. `send` matters on TLS only: on plain TCP, waiting for the
  // batch measured no gain.
  template <class ConstBuffers>
  boost::asio::awaitable<Result> write(const ConstBuffers& buffers, Send send = Send::now) {
    return tls_ ? tls_->write(buffers, send) : boost::asio::async_write(plain_, buffers, as_result);
  }

  // Waits until there are bytes to read, holding no buffer meanwhile.
  boost::asio::awaitable<boost::system::error_code> wait_readable() {
    if (has_pending()) co_return boost::system::error_code{};
    auto [ec] = co_await socket().async_wait(Socket::wait_read, as_result);
    co_return ec;
  }

  // Ends our sending side: close_notify first on TLS (not waiting for the peer's).
  void shutdown() {
    if (tls_) tls_->close_notify();
    boost::system::error_code ignored;
    socket().shutdown(Socket::shutdown_send, ignored);
  }

 private:
  static constexpr auto as_result = boost::asio::as_tuple(boost::asio::use_awaitable);
  Socket plain_;
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace faultline::net
