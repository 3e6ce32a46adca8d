// A peer's bytes over a real stream socket, for the targets that run the session's own
// socket code (proxy/wire_io.hpp): a UNIX socketpair (no port, no network) whose reading
// end is handed to Asio as the tcp::socket the session reads, and whose writing end gets
// the bytes one piece at a time, each only once the reader waits for more. After the last
// piece the writing end is shut down, which the reader sees as the peer's close.
//
// run() fails the target (FUZZ_CHECK) when the reader still waits after the close: a read
// that never ends is a hang in the session.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/byte_stream.hpp"

#include "tests/fuzz/fuzz_support.hpp"

namespace faultline::fuzz {

class SocketFeed {
 public:
  SocketFeed(boost::asio::io_context& io, std::string_view bytes,
             const std::array<std::size_t, 4>& pieces)
      : io_(io), stream_(io.get_executor()), bytes_(bytes), pieces_(pieces) {
    int fds[2];
    FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    // Asio does not look at the family of a descriptor it is given; reads and writes on a
    // stream socket are the same calls.
    stream_.socket().assign(boost::asio::ip::tcp::v4(), fds[0]);
    writer_ = fds[1];
  }
  ~SocketFeed() {
    if (writer_ >= 0) ::close(writer_);
  }
  SocketFeed(const SocketFeed&) = delete;
  SocketFeed& operator=(const SocketFeed&) = delete;

  net::ByteStream& stream() { return stream_; }

  // Runs the io_context until `done()`, giving the reader the next piece whenever it has
  // run as far as the bytes so far allow.
  void run(const std::function<bool()>& done) {
    for (;;) {
      io_.restart();
      while (io_.poll() > 0) {
      }
      if (done()) return;
      if (at_ < bytes_.size()) {
        write_piece();
      } else if (writer_ >= 0 && !shut_) {
        FUZZ_CHECK(::shutdown(writer_, SHUT_WR) == 0);
        shut_ = true;
      } else {
        FUZZ_CHECK(!"the reader still waits after the peer closed");
      }
    }
  }

  // What the reader has not taken: written but still in the socket, then never written.
  std::string unread() {
    std::string rest;
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::recv(stream_.socket().native_handle(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      rest.append(chunk, static_cast<std::size_t>(n));
    }
    rest.append(bytes_.substr(at_));
    return rest;
  }

 private:
  void write_piece() {
    const std::size_t size = std::min(pieces_[count_++ % pieces_.size()], bytes_.size() - at_);
    std::size_t written = 0;
    while (written < size) {
      const ssize_t n = ::write(writer_, bytes_.data() + at_ + written, size - written);
      if (n < 0 && errno == EINTR) continue;
      FUZZ_CHECK(n > 0);
      written += static_cast<std::size_t>(n);
    }
    at_ += size;
  }

  boost::asio::io_context& io_;
  net::ByteStream stream_;
  int writer_ = -1;
  bool shut_ = false;
  std::string_view bytes_;
  std::array<std::size_t, 4> pieces_;
  std::size_t at_ = 0;
  std::size_t count_ = 0;
};

}  // namespace faultline::fuzz
