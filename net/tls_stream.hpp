// TLS over a connected TCP socket, OpenSSL reading and writing the socket itself.
//
// Asio's ssl::stream runs OpenSSL over a memory BIO: every record is copied from the
// socket into Asio's buffer, into the BIO, and only then decrypted (and the other way
// round for writes), with a composed operation per record. Here OpenSSL owns the file
// descriptor (non-blocking, read-ahead on), so a record goes from the kernel to OpenSSL's
// buffer in one read; the coroutine waits for readiness only when OpenSSL asks to
// (SSL_ERROR_WANT_READ / WANT_WRITE). One read and one write may be under way at once
// (the relays do that), on the connection's single thread.
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>

#include <openssl/ssl.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace faultline::net {

// When a write's last record leaves. with_batch: after one turn of the event loop, so
// the other connections made ready by the same poll run first and a batch's messages go
// out back to back; a peer on the same core (the upstream, typically) is then woken once
// per batch instead of preempting us after every message. Meant for a write that is a
// whole small message (a bodiless request, a small response): waiting before the pieces
// of a large body measured slower.
enum class Send { now, with_batch };

class TlsStream {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using Result = std::tuple<boost::system::error_code, std::size_t>;
  enum class Side { client, server };

  TlsStream(Socket socket, SSL_CTX* context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  Socket& socket() { return socket_; }
  SSL* ssl() { return ssl_; }
  // Bytes OpenSSL holds already (decrypted, or records read ahead): no need to wait.
  bool has_pending() const { return SSL_has_pending(ssl_) == 1; }

  boost::asio::awaitable<boost::system::error_code> handshake(Side side);

  template <class MutableBuffers>
  boost::asio::awaitable<Result> read_some(const MutableBuffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer buffer(*it);
      if (buffer.size() != 0) return read_into(buffer);
    }
    return read_into(boost::asio::mutable_buffer());
  }

  // Writes all of `buffers`. Small pieces (a head, a chunk-size line, a short body) are
  // gathered into one record, as one system call, instead of a record each.
  template <class ConstBuffers>
  boost::asio::awaitable<Result> write(const ConstBuffers& buffers, Send send = Send::now) {
    std::size_t total = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer buffer(*it);
      if (buffer.size() >= kGatherLimit) {
        if (auto ec = co_await flush_gathered(); ec) co_return Result{ec, total};
        if (auto ec = co_await write_all(buffer); ec) co_return Result{ec, total};
      } else {
        if (gathered_ + buffer.size() > kGatherLimit) {
          if (auto ec = co_await flush_gathered(); ec) co_return Result{ec, total};
        }
        gather(buffer);
      }
      total += buffer.size();
    }
    auto ec = co_await flush_gathered(send);
    co_return Result{ec, total};
  }

  // Sends close_notify without waiting for the peer's (we close right after).
  void close_notify();

 private:
  static constexpr std::size_t kGatherLimit = 4096;

  boost::asio::awaitable<Result> read_into(boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<boost::system::error_code> write_all(boost::asio::const_buffer buffer);
  boost::asio::awaitable<boost::system::error_code> flush_gathered(Send send = Send::now);
  void gather(boost::asio::const_buffer buffer);
  // Waits as OpenSSL's last answer asks; an error when it is a failure instead.
  boost::asio::awaitable<boost::system::error_code> wait_or_fail(int result);

  Socket socket_;
  SSL* ssl_;
  std::unique_ptr<char[]> gather_;  // taken on the first gathered write
  std::size_t gathered_ = 0;
  bool handshake_done_ = false;
};

}  // namespace faultline::net
