// TLS over a connected TCP socket: OpenSSL writes the socket itself, and reads what an
// Asio read put in the connection's inbox or, while data streams in, the socket itself.
//
// Asio's ssl::stream runs OpenSSL over a memory BIO: every record is copied from the
// socket into Asio's buffer, into the BIO, and only then decrypted (and the other way
// round for writes), with a composed operation per record. Here a record to send goes
// from OpenSSL's buffer to the kernel in one write, waiting for the socket only when
// OpenSSL asks to (SSL_ERROR_WANT_WRITE); a received one is copied at most once, from the
// inbox (see tls_inbox.hpp for when and why). One read and one write may be under way at
// once (the relays do that), on the connection's single thread.
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>

#include <openssl/ssl.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/tls_inbox.hpp"

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
  // Bytes read from the socket and not yet returned (decrypted, records read ahead, or in
  // the inbox): no need to wait.
  bool has_pending() const { return !inbox_.empty() || SSL_has_pending(ssl_) == 1; }

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
  // Reads what the socket has into the empty inbox, waiting until it has something.
  boost::asio::awaitable<boost::system::error_code> fill_inbox();

  Socket socket_;
  TlsInbox inbox_;  // ssl_'s read BIO points here
  SSL* ssl_;
  std::unique_ptr<char[]> gather_;  // taken on the first gathered write
  std::size_t gathered_ = 0;
  bool handshake_done_ = false;
  bool filling_ = false;  // a read into the inbox is under way
};

}  // namespace faultline::net
