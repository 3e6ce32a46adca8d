// A socket read after which, when it comes back short, the next read waits for the
// socket's readiness event instead of trying a recv first.
//
// Asio starts every read with a recv in case the bytes are there already, and stops doing
// so only once a read has returned end of file; the socket's next readiness event turns
// the recv back on. The response to a request just sent upstream is rarely there when its
// read starts (the upstream is still working on it), so that recv mostly returned EAGAIN:
// 0.7 such calls per proxied request (perf stat, small bodies at c50), where HAProxy makes
// none. A read that returns fewer bytes than it asked for has emptied the socket, which is
// what HAProxy goes by and what DrainingBuffer tells Asio: the reactor skips the recv
// until the socket's next event, deciding under its own lock, so no event is missed.
//
// What it costs: an end of stream (FIN, RST) that arrived with the last bytes raised no
// event of its own, so after a drained read the next read that must see it has to look
// once itself (ByteStream::read_some does).
//
// The hook is an explicit specialization of the recv operation's perform step for this
// buffer type: Asio's code for every other buffer is untouched. It is written against the
// Boost of Debian 12 (1.81); another Boost must be checked before this header is let in.
#pragma once

#include <cstddef>

#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/version.hpp>

#if BOOST_VERSION != 108100
#error "net/draining_read.hpp specializes Boost 1.81's recv operation: check it against this Boost"
#endif

namespace faultline::net {

// One buffer, read as any mutable_buffer is, with the rule above. `*drained` (owned by the
// stream, which outlives its reads) becomes true when the read comes back short.
struct DrainingBuffer : boost::asio::mutable_buffer {
  DrainingBuffer(boost::asio::mutable_buffer buffer, bool* drained)
      : mutable_buffer(buffer), drained(drained) {}
  bool* drained;
};

}  // namespace faultline::net

namespace boost::asio::detail {

template <>
inline reactor_op::status reactive_socket_recv_op_base<faultline::net::DrainingBuffer>::do_perform(
    reactor_op* base) {
  auto* op = static_cast<reactive_socket_recv_op_base*>(base);
  const mutable_buffer buffer = op->buffers_;
  if (!socket_ops::non_blocking_recv1(op->socket_, buffer.data(), buffer.size(), op->flags_,
                                      (op->state_ & socket_ops::stream_oriented) != 0, op->ec_,
                                      op->bytes_transferred_)) {
    return not_done;  // EAGAIN: the reactor waits for readiness
  }
  // A short read (end of file included) left the socket empty.
  if (op->bytes_transferred_ == buffer.size()) return done;
  *op->buffers_.drained = true;
  return done_and_exhausted;
}

}  // namespace boost::asio::detail
