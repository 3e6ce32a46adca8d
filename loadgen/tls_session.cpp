#include "loadgen/tls_session.hpp"

#include <cerrno>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "net/tls_context.hpp"
#include "net/tls_failure.hpp"

namespace faultline::loadgen {

std::unique_ptr<TlsSession> TlsSession::start(net::ClientTls& tls, int fd,
                                              const std::string& server_name, std::string& error) {
  SSL* ssl = SSL_new(tls.context().native_handle());
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    error = "cannot start TLS on the connection";
    return nullptr;
  }
  // Partial writes make SSL_write behave as write(2) on a non-blocking socket; a retry may
  // then pass the rest of the same request from a moved pointer.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One read(2) takes all that has arrived, instead of a record's header and then its body.
  SSL_set_read_ahead(ssl, 1);
  // A server that closes after its last response without close_notify ends that response
  // (as a plain close does): framing, not TLS, tells whether the response was complete.
  SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (!tls.prepare(ssl, server_name, error)) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_connect_state(ssl);
  return std::unique_ptr<TlsSession>(new TlsSession(ssl));
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);  // the socket is not the BIO's to close: the connection closes it
}

TlsStep TlsSession::step(int result) {
  if (result > 0) return {TlsStep::Status::done, static_cast<std::size_t>(result)};
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return {TlsStep::Status::want_read, 0};
    case SSL_ERROR_WANT_WRITE:
      return {TlsStep::Status::want_write, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {TlsStep::Status::closed, 0};
    case SSL_ERROR_SYSCALL:
      library_error_ = ERR_get_error();
      system_error_ = library_error_ == 0 ? errno : 0;
      ERR_clear_error();
      return {TlsStep::Status::failed, 0};
    default:
      // The oldest error is the cause; later ones only wrap it.
      library_error_ = ERR_get_error();
      system_error_ = 0;
      ERR_clear_error();
      return {TlsStep::Status::failed, 0};
  }
}

TlsStep TlsSession::handshake() {
  ERR_clear_error();
  errno = 0;
  const int result = SSL_do_handshake(ssl_);
  return result == 1 ? TlsStep{} : step(result);
}

TlsStep TlsSession::write(const char* data, std::size_t size) {
  ERR_clear_error();
  errno = 0;
  return step(SSL_write(ssl_, data, static_cast<int>(size)));
}

TlsStep TlsSession::read(char* data, std::size_t size) {
  ERR_clear_error();
  errno = 0;
  return step(SSL_read(ssl_, data, static_cast<int>(size)));
}

bool TlsSession::has_pending() const {
  return SSL_has_pending(ssl_) == 1;
}

void TlsSession::close_notify() {
  if (SSL_is_init_finished(ssl_) != 1) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

TlsFailureText TlsSession::failure() const {
  boost::system::error_code error = boost::asio::error::eof;
  if (library_error_ != 0)
    error.assign(static_cast<int>(library_error_), boost::asio::error::get_ssl_category());
  else if (system_error_ != 0)
    error.assign(system_error_, boost::system::system_category());
  const net::TlsFailure described = net::describe_tls_failure(error, ssl_, false);
  return {std::string(described.reason), described.message};
}

void FirstTlsFailure::offer(const TlsFailureText& failure) {
  if (seen()) return;
  std::lock_guard lock(mutex_);
  if (seen_.load(std::memory_order_relaxed)) return;
  first_ = failure;
  seen_.store(true, std::memory_order_release);
}

TlsFailureText FirstTlsFailure::get() const {
  std::lock_guard lock(mutex_);
  return first_;
}

}  // namespace faultline::loadgen
