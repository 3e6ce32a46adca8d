// A buffer for socket reads that know when they emptied the socket (tcp/ internal).
//
// Each async_read_some first tries the recv(2) at once, before epoll has said anything, and
// Asio's epoll reactor keeps trying so until a read returns 0 bytes. A relay reads again as
// soon as it has passed a chunk on, and a request/response peer has sent nothing new by
// then: every relayed chunk costs one more recv(2) that fails with EAGAIN, a third of the
// proxy's system calls on small requests (bench/tcp_vs_peers.sh --syscalls).
//
// A read into a DrainingBuffer is a recvmsg(2) that also asks the kernel what is left in
// the receive queue (TCP_INQ, set on the socket by enable_drain_hints). When nothing is
// left, the read tells the reactor the socket is exhausted, and the next read waits for
// epoll without trying first. Nothing is missed: the descriptor is registered
// edge-triggered, and every segment queued later wakes epoll again. A FIN already received
// counts as something left (the kernel reports 1), since it would wake nobody. A short
// read alone would not do: it also happens when the FIN came with the data.
//
// The reactor's hook for that is its per-operation "done and exhausted" status, which only
// its own receive operation sets; the specialization below gives a DrainingBuffer read that
// operation with a recvmsg and this one rule added. It is written against the Asio of
// Boost 1.81 (Asio 1.26) with its epoll reactor; anywhere else a DrainingBuffer is an
// ordinary buffer. Without TCP_INQ on the socket the read behaves as Asio's own.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/asio/version.hpp>

namespace faultline::tcp {

struct DrainingBuffer : boost::asio::mutable_buffer {
  using boost::asio::mutable_buffer::mutable_buffer;
};

// Asks the kernel to report with every read of `fd` how much is left to read. Best effort:
// without it (a kernel older than 4.18) reads are as Asio's own.
inline void enable_drain_hints(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_INQ, &on, sizeof on);
}

}  // namespace faultline::tcp

#if BOOST_ASIO_VERSION == 102600 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING) && !defined(BOOST_ASIO_DISABLE_EPOLL)

#include <boost/asio/detail/reactive_socket_recv_op.hpp>

namespace boost::asio::detail {

template <>
class reactive_socket_recv_op_base<faultline::tcp::DrainingBuffer> : public reactor_op {
 public:
  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type /*a stream socket: tcp::socket only*/,
                               const faultline::tcp::DrainingBuffer& buffer,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        buffer_(buffer),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    iovec piece{o->buffer_.data(), o->buffer_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr message{};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n;
    do {
      n = ::recvmsg(o->socket_, &message, o->flags_);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return not_done;
    if (n <= 0) {  // the end of the stream, or an error: as Asio's own read
      o->ec_ = n == 0 ? boost::asio::error::eof
                      : boost::system::error_code(errno, boost::asio::error::get_system_category());
      o->bytes_transferred_ = 0;
      return n == 0 ? done_and_exhausted : done;
    }
    o->ec_ = boost::system::error_code();
    o->bytes_transferred_ = static_cast<std::size_t>(n);
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == IPPROTO_TCP && c->cmsg_type == TCP_CM_INQ) {
        int left = 0;
        std::memcpy(&left, CMSG_DATA(c), sizeof left);
        return left == 0 ? done_and_exhausted : done;
      }
    }
    return done;
  }

 private:
  socket_type socket_;
  boost::asio::mutable_buffer buffer_;
  socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail

#endif
