// The few tools every stage of a client session uses: the error-as-value completion
// token, borrowed relay buffers, and small conversions. Socket operations run under a
// deadline (OperationDeadline; the worker's watchdog enforces it, see SessionSlot).
// Included only by the session's translation units.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/optional.hpp>

#include "proxy/worker_state.hpp"

namespace faultline::proxy {

// Every socket operation reports its error as a value: a failed peer is an outcome of
// the request, never an exception.
inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

// A relay buffer from the worker's free list, taken on first use (a body that came in with
// its head never needs one) and given back on every exit path.
class BorrowedBuffer {
 public:
  explicit BorrowedBuffer(RelayBuffers& owner) : owner_(owner) {}
  ~BorrowedBuffer() {
    if (buffer_) owner_.give_back(std::move(buffer_));
  }
  BorrowedBuffer(const BorrowedBuffer&) = delete;
  BorrowedBuffer& operator=(const BorrowedBuffer&) = delete;
  char* data() {
    if (!buffer_) buffer_ = owner_.take();
    return buffer_.get();
  }

 private:
  RelayBuffers& owner_;
  std::unique_ptr<char[]> buffer_;
};

inline std::optional<std::uint64_t> to_std(const boost::optional<std::uint64_t>& value) {
  return value ? std::optional<std::uint64_t>(*value) : std::nullopt;
}

inline double milliseconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace faultline::proxy
