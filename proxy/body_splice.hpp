// A sized body relayed from one plain socket to the other through a pipe (splice(2)), for
// the requests no body fault touches: the bytes stay in the kernel. Each wait is bounded as
// a relay read or write is (a stall, not the body). Included only by the session's
// translation units.
#pragma once

#include <cstdint>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "net/byte_stream.hpp"
#include "net/splice_pipe.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {

struct SplicedBody {
  boost::system::error_code read_error;   // `from`'s (eof: it closed before the end)
  boost::system::error_code write_error;  // `to`'s
  std::uint64_t bytes = 0;                // given to `to`
  Clock::time_point source_done;          // when the last byte was taken from `from`
};

// Moves the next `length` bytes `from` receives to `to`. Both are plain TCP, and nothing
// of them may be buffered in user space (the caller relays that first). `answer_deadline`,
// when given and running, moves on to `timeout` from each write: the time `to` has to
// answer counts from the last byte it got.
boost::asio::awaitable<SplicedBody> splice_body(net::ByteStream& from, net::ByteStream& to,
                                                net::SplicePipe& pipe, std::uint64_t length,
                                                Clock::time_point& read_deadline,
                                                Clock::time_point& write_deadline,
                                                Clock::duration timeout,
                                                Clock::time_point* answer_deadline = nullptr);

}  // namespace faultline::proxy
