#include "net/splice_pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/error.hpp>

namespace faultline::net {

namespace {

constexpr std::size_t kKeptPipes = 16;

boost::system::error_code last_error() {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return boost::asio::error::would_block;
  return {errno, boost::system::system_category()};
}

}  // namespace

std::unique_ptr<SplicePipe> SplicePipe::open() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return nullptr;
  const int capacity = ::fcntl(ends[0], F_GETPIPE_SZ);
  return std::unique_ptr<SplicePipe>(
      new SplicePipe(ends[0], ends[1], capacity > 0 ? static_cast<std::size_t>(capacity) : 4096));
}

SplicePipe::~SplicePipe() {
  ::close(read_end_);
  ::close(write_end_);
}

SplicePipe::Result SplicePipe::fill(int from, std::size_t max) {
  const std::size_t want = std::min(max, room());
  // Non-blocking on both ends: the pipe is O_NONBLOCK, the socket must be too (see drain).
  const ssize_t n =
      ::splice(from, nullptr, write_end_, nullptr, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n < 0) return {last_error(), 0};
  if (n == 0) return {boost::asio::error::eof, 0};
  held_ += static_cast<std::size_t>(n);
  return {boost::system::error_code{}, static_cast<std::size_t>(n)};
}

SplicePipe::Result SplicePipe::drain(int to) {
  // The socket must be O_NONBLOCK (sending through splice follows the file's flag).
  const ssize_t n =
      ::splice(read_end_, nullptr, to, nullptr, held_, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n < 0) return {last_error(), 0};
  held_ -= static_cast<std::size_t>(n);
  return {boost::system::error_code{}, static_cast<std::size_t>(n)};
}

std::unique_ptr<SplicePipe> SplicePipes::take() {
  if (free_.empty()) return SplicePipe::open();
  auto pipe = std::move(free_.back());
  free_.pop_back();
  return pipe;
}

void SplicePipes::give_back(std::unique_ptr<SplicePipe> pipe) {
  // A pipe still holding bytes belongs to a relay cut short: its bytes are nobody's.
  if (pipe->held() == 0 && free_.size() < kKeptPipes) free_.push_back(std::move(pipe));
}

}  // namespace faultline::net
