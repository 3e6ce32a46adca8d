#include "net/tls_stream.hpp"

#include <cerrno>
#include <cstring>
#include <new>

#include <openssl/err.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace faultline::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

// OpenSSL's answer as an error code: the same codes Asio's SSL layer gives (its category),
// so that describe_tls_failure reads both alike.
error_code failure_of(int ssl_error) {
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;  // close_notify
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (ssl_error == SSL_ERROR_SYSCALL && code == 0) {
    if (errno != 0) return error_code(errno, boost::system::system_category());
    return asio::ssl::error::stream_truncated;  // closed without close_notify
  }
  if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return asio::ssl::error::stream_truncated;
  }
  if (code == 0) return asio::error::fault;
  return error_code(static_cast<int>(code), asio::error::get_ssl_category());
}

}  // namespace

TlsStream::TlsStream(Socket socket, SSL_CTX* context)
    : socket_(std::move(socket)), ssl_(SSL_new(context)) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  // Reads come through the inbox; writes go straight to the descriptor.
  const int descriptor = static_cast<int>(socket_.native_handle());
  inbox_.attach(descriptor);
  BIO* reads = inbox_.make_bio();
  BIO* writes = BIO_new_socket(descriptor, BIO_NOCLOSE);
  if (ssl_ == nullptr || reads == nullptr || writes == nullptr) {
    BIO_free(reads);
    BIO_free(writes);
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  SSL_set_bio(ssl_, reads, writes);
  SSL_set_read_ahead(ssl_, 1);
  SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
}

asio::awaitable<error_code> TlsStream::wait_or_fail(int result) {
  const int ssl_error = SSL_get_error(ssl_, result);
  if (ssl_error == SSL_ERROR_WANT_READ) co_return co_await fill_inbox();
  if (ssl_error == SSL_ERROR_WANT_WRITE) {
    auto [ec] = co_await socket_.async_wait(Socket::wait_write, as_result);
    co_return ec;
  }
  co_return failure_of(ssl_error);
}

asio::awaitable<error_code> TlsStream::fill_inbox() {
  if (filling_) {
    // The other direction's operation is reading already (a write that needs the peer's
    // answer, which TLS 1.2 renegotiation would; we refuse it): its read serves us both.
    auto [ec] = co_await socket_.async_wait(Socket::wait_read, as_result);
    co_return ec;
  }
  // OpenSSL has seen the end of the stream already and still asks: there is no more.
  if (inbox_.eof()) co_return asio::ssl::error::stream_truncated;
  filling_ = true;
  auto [ec, n] = co_await socket_.async_read_some(inbox_.space(), as_result);
  filling_ = false;
  inbox_.filled(n);
  if (ec == asio::error::eof) {
    inbox_.set_eof();  // OpenSSL tells a close_notify already read from a truncation
    co_return error_code{};
  }
  co_return ec;
}

asio::awaitable<error_code> TlsStream::handshake(Side side) {
  if (side == Side::server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      handshake_done_ = true;
      co_return error_code{};
    }
    if (auto ec = co_await wait_or_fail(result); ec) co_return ec;
  }
}

asio::awaitable<TlsStream::Result> TlsStream::read_into(asio::mutable_buffer buffer) {
  if (buffer.size() == 0) co_return Result{error_code{}, 0};
  // Closed by a watchdog: OpenSSL may read the descriptor, whose number may be another's now.
  if (!socket_.is_open()) co_return Result{asio::error::bad_descriptor, 0};
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t got = 0;
    const int result = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &got);
    if (result == 1) co_return Result{error_code{}, got};
    if (auto ec = co_await wait_or_fail(result); ec) co_return Result{ec, 0};
  }
}

asio::awaitable<error_code> TlsStream::write_all(asio::const_buffer buffer) {
  const char* data = static_cast<const char*>(buffer.data());
  std::size_t left = buffer.size();
  while (left != 0) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_, data, left, &written);
    if (result == 1) {
      data += written;
      left -= written;
      continue;
    }
    if (auto ec = co_await wait_or_fail(result); ec) co_return ec;
  }
  co_return error_code{};
}

void TlsStream::gather(asio::const_buffer buffer) {
  if (!gather_) gather_ = std::make_unique<char[]>(kGatherLimit);
  std::memcpy(gather_.get() + gathered_, buffer.data(), buffer.size());
  gathered_ += buffer.size();
}

asio::awaitable<error_code> TlsStream::flush_gathered(Send send) {
  if (gathered_ == 0) co_return error_code{};
  const std::size_t size = gathered_;
  gathered_ = 0;
  if (send == Send::with_batch) {
    co_await asio::post(socket_.get_executor(), asio::use_awaitable);
    // A watchdog may have closed the socket meanwhile; its descriptor may be another's now.
    if (!socket_.is_open()) co_return asio::error::operation_aborted;
  }
  co_return co_await write_all(asio::const_buffer(gather_.get(), size));
}

void TlsStream::close_notify() {
  if (!handshake_done_ || !socket_.is_open()) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // non-blocking: sends our close_notify, does not wait for the peer's
  ERR_clear_error();
}

}  // namespace faultline::net
