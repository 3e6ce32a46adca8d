#include "net/tls_inbox.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace faultline::net {

struct TlsInboxBio {
  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static int read(BIO* bio, char* out, int size) {
    auto* inbox = static_cast<TlsInbox*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (inbox->empty()) {
      if (inbox->eof_) return 0;
      if (inbox->socket_has_more_ && inbox->descriptor_ >= 0) {
        return read_socket(bio, *inbox, out, size);
      }
      BIO_set_retry_read(bio);  // OpenSSL answers SSL_ERROR_WANT_READ
      return -1;
    }
    const std::size_t n = std::min(inbox->end_ - inbox->begin_, static_cast<std::size_t>(size));
    std::memcpy(out, inbox->bytes_.get() + inbox->begin_, n);
    inbox->begin_ += n;
    return static_cast<int>(n);
  }

  static int read_socket(BIO* bio, TlsInbox& inbox, char* out, int size) {
    const ssize_t n = ::recv(inbox.descriptor_, out, static_cast<std::size_t>(size), 0);
    if (n > 0) {
      inbox.socket_has_more_ = n == size;
      return static_cast<int>(n);
    }
    inbox.socket_has_more_ = false;
    if (n == 0) {
      inbox.eof_ = true;
      return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      BIO_set_retry_read(bio);  // the inbox's next fill waits for the socket
    }
    return -1;  // any other errno: OpenSSL reports SSL_ERROR_SYSCALL, errno tells why
  }

  static long control(BIO* bio, int command, long, void*) {
    auto* inbox = static_cast<TlsInbox*>(BIO_get_data(bio));
    switch (command) {
      case BIO_CTRL_EOF:  // lets OpenSSL tell a truncated stream from a failed read
        return inbox->empty() && inbox->eof_ ? 1 : 0;
      case BIO_CTRL_PENDING:
        return static_cast<long>(inbox->end_ - inbox->begin_);
      case BIO_CTRL_FLUSH:
        return 1;
      default:
        return 0;
    }
  }

  static BIO_METHOD* method() {
    // Made once, never freed: every connection's BIO points at it.
    static BIO_METHOD* const made = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "faultline inbox");
      BIO_meth_set_create(m, create);
      BIO_meth_set_read(m, read);
      BIO_meth_set_ctrl(m, control);
      return m;
    }();
    return made;
  }
};

boost::asio::mutable_buffer TlsInbox::space() {
  if (!bytes_) bytes_ = std::make_unique<char[]>(kCapacity);
  begin_ = end_ = 0;
  return boost::asio::mutable_buffer(bytes_.get(), kCapacity);
}

BIO* TlsInbox::make_bio() {
  BIO* bio = BIO_new(TlsInboxBio::method());
  if (bio != nullptr) BIO_set_data(bio, this);
  return bio;
}

}  // namespace faultline::net
