// The bytes a TLS connection has read from its socket and OpenSSL has not yet taken, and
// the BIO through which OpenSSL takes them.
//
// OpenSSL reading the descriptor itself learns that the socket is empty only from a
// read that fails with EAGAIN, and the wait that follows has to be a readiness wait
// (async_wait), which Asio's epoll reactor re-arms with an epoll_ctl(MOD) every time: two
// system calls per wait that move no data. Filled by Asio's own reads instead, the socket
// is read when it is ready, at the cost of one copy of each byte into OpenSSL's record
// buffer. That copy only pays where waits are frequent (small messages): once a read
// has filled the inbox, or a direct read got all it asked for, the socket probably holds
// more (a large body arriving), and the BIO reads it straight into OpenSSL's buffer until
// a read comes back short.
#pragma once

#include <cstddef>
#include <memory>

#include <openssl/bio.h>
#include <boost/asio/buffer.hpp>

namespace faultline::net {

class TlsInbox {
 public:
  // Room for one whole record of the largest size (16 KiB of data and its overhead).
  static constexpr std::size_t kCapacity = 17 * 1024;

  // The connected socket the BIO may read directly (non-blocking); none by default.
  void attach(int descriptor) { descriptor_ = descriptor; }

  bool empty() const { return begin_ == end_; }
  // Where the next socket read goes. Only when empty: the buffer starts over.
  boost::asio::mutable_buffer space();
  void filled(std::size_t n) {
    end_ += n;
    socket_has_more_ = n == kCapacity;
  }
  // The peer closed its sending side: once the bytes are taken, reads report end of file.
  void set_eof() { eof_ = true; }
  bool eof() const { return eof_; }

  // A BIO reading from this inbox (it does not own it; SSL_free frees the BIO).
  BIO* make_bio();

 private:
  friend struct TlsInboxBio;

  std::unique_ptr<char[]> bytes_;  // taken on the first read
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  int descriptor_ = -1;
  bool socket_has_more_ = false;  // the last read filled all it was given
};

}  // namespace faultline::net
