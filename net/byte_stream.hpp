// A connection that is plain TCP or TLS over TCP, decided when it opens, with the few
// operations the data paths use. Each returns the same awaitable type on both branches,
// so a plain connection pays one branch per operation and, but for the check after a
// drained answer (read_after_drained), no extra coroutine frame.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/draining_read.hpp"
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
    if (tls_) return tls_->read_some(buffers);
    if (drained_) return read_after_drained(buffers);
    return plain_.async_read_some(buffers, as_result);
  }

  // The first read of an answer the peer is still working on (the response to a request
  // just sent). When it comes back short, the socket's next read waits for its readiness
  // event before trying a recv (net/draining_read.hpp): the answer's next part, or the
  // next answer, is rarely there yet. TLS reads as read_some does.
  boost::asio::awaitable<Result> read_answer(boost::asio::mutable_buffer buffer) {
    if (tls_) return tls_->read_some(buffer);
    return plain_.async_read_some(DrainingBuffer(buffer, &drained_), as_result);
  }

  // Writes all of `buffers`. `send` matters on TLS only: on plain TCP, waiting for the
  // batch measured no gain.
  template <class ConstBuffers>
  boost::asio::awaitable<Result> write(const ConstBuffers& buffers, Send send = Send::now) {
    return tls_ ? tls_->write(buffers, send) : boost::asio::async_write(plain_, buffers, as_result);
  }

  // Waits until there are bytes to read, holding no buffer meanwhile.
  boost::asio::awaitable<boost::system::error_code> wait_readable() {
    if (has_pending() || drained_) co_return boost::system::error_code{};  // see read_some
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
  // After a short read_answer the event loop does not try the socket before its next
  // readiness event, and an end of stream (FIN, RST) that came with the answer's last
  // bytes raised none. So the next read other than an answer's first checks the socket
  // once itself: without that, a body delimited by the close would wait out its timeout.
  template <class MutableBuffers>
  boost::asio::awaitable<Result> read_after_drained(MutableBuffers buffers) {
    drained_ = false;
    const boost::asio::mutable_buffer first = *boost::asio::buffer_sequence_begin(buffers);
    const ssize_t n = ::recv(plain_.native_handle(), first.data(), first.size(), MSG_DONTWAIT);
    if (n > 0) co_return Result{boost::system::error_code{}, static_cast<std::size_t>(n)};
    if (n == 0 && first.size() != 0) co_return Result{boost::asio::error::eof, 0};
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      co_return Result{boost::system::error_code(errno, boost::system::system_category()), 0};
    }
    co_return co_await plain_.async_read_some(buffers, as_result);
  }

  static constexpr auto as_result = boost::asio::as_tuple(boost::asio::use_awaitable);
  Socket plain_;
  std::unique_ptr<TlsStream> tls_;
  bool drained_ = false;  // a read_answer came back short (plain TCP only)
};

}  // namespace faultline::net
