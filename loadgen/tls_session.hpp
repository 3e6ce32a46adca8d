// TLS on one load-generator connection, the way wrk does it: OpenSSL straight on the
// connection's non-blocking socket. Each call does what it can without blocking and
// otherwise says which readiness to wait for, so the worker's event loop drives a TLS
// connection as it drives a plain one (loadgen/connection_exchange.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

struct ssl_st;

namespace faultline::net {
class ClientTls;
}

namespace faultline::loadgen {

struct TlsStep {
  enum class Status {
    done,        // `bytes` moved (read, write) or the handshake finished
    want_read,   // wait until the socket is readable, then call again alike
    want_write,  // wait until the socket is writable, then call again alike
    closed,      // the peer closed the connection (close_notify, or just its end)
    failed,      // see TlsSession::failure()
  };
  Status status = Status::done;
  std::size_t bytes = 0;
};

// Why a handshake failed: a reason label (net/tls_failure.hpp's set) and a message.
struct TlsFailureText {
  std::string reason;
  std::string message;
};

class TlsSession {
 public:
  // A client session on the connected socket `fd`: SNI and the certificate's name from
  // `server_name`, the newest session of `tls` to resume. nullptr with `error` otherwise.
  static std::unique_ptr<TlsSession> start(net::ClientTls& tls, int fd,
                                           const std::string& server_name, std::string& error);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  TlsStep handshake();
  // After a want_* status, call again with the same (or a later part of the same) bytes.
  TlsStep write(const char* data, std::size_t size);
  TlsStep read(char* data, std::size_t size);
  // Bytes already read from the socket, decrypted or read ahead (a readiness wait would
  // not see them). Only asked before a read, never after one answered want_read (a
  // partial record read ahead would make that a busy loop).
  bool has_pending() const;
  // Sends close_notify without waiting for the peer's, so that the session stays
  // resumable (OpenSSL drops a session whose connection just vanished).
  void close_notify();
  // The last failed call, described.
  TlsFailureText failure() const;

 private:
  explicit TlsSession(ssl_st* ssl) : ssl_(ssl) {}
  TlsStep step(int result);

  ssl_st* ssl_;
  unsigned long library_error_ = 0;  // OpenSSL's error code of the last failure
  int system_error_ = 0;             // or errno (0: the peer closed)
};

// The first TLS failure of a run, for the report: any worker may offer one; the first is
// kept. Offers after the first cost one atomic load.
class FirstTlsFailure {
 public:
  void offer(const TlsFailureText& failure);
  bool seen() const { return seen_.load(std::memory_order_acquire); }
  TlsFailureText get() const;  // empty before seen()

 private:
  std::atomic<bool> seen_{false};
  mutable std::mutex mutex_;
  TlsFailureText first_;
};

}  // namespace faultline::loadgen
