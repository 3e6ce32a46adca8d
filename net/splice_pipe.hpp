// A pipe for splice(2), so a plain relay moves a body from one socket to the other inside
// the kernel: the bytes never enter user space (no copy in, none out). The calls never
// block; the caller waits for the sockets between them (and holds the deadlines).
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>
#include <vector>

#include <boost/system/error_code.hpp>

namespace faultline::net {

class SplicePipe {
 public:
  using Result = std::tuple<boost::system::error_code, std::size_t>;

  // nullptr when no pipe can be opened (out of file descriptors): the caller copies instead.
  static std::unique_ptr<SplicePipe> open();
  ~SplicePipe();
  SplicePipe(const SplicePipe&) = delete;
  SplicePipe& operator=(const SplicePipe&) = delete;

  // Bytes in the pipe, taken from one socket and not yet given to the other.
  std::size_t held() const { return held_; }
  std::size_t room() const { return capacity_ - held_; }

  // Moves up to `max` bytes (at most room()) that the socket `from` has received into the
  // pipe: would_block when it has none yet, eof when its peer has closed.
  Result fill(int from, std::size_t max);
  // Moves what the pipe holds into the socket `to`, as much as its send buffer takes:
  // would_block when that is full.
  Result drain(int to);

 private:
  SplicePipe(int read_end, int write_end, std::size_t capacity)
      : read_end_(read_end), write_end_(write_end), capacity_(capacity) {}
  int read_end_;
  int write_end_;
  std::size_t capacity_;
  std::size_t held_ = 0;
};

// A worker's empty pipes, reused so a body costs no pipe(2) and close(2). Pipes come back
// only empty; a few are kept, so a burst of parallel bodies does not pin descriptors.
class SplicePipes {
 public:
  std::unique_ptr<SplicePipe> take();  // nullptr when none can be opened
  void give_back(std::unique_ptr<SplicePipe> pipe);

 private:
  std::vector<std::unique_ptr<SplicePipe>> free_;
};

}  // namespace faultline::net
