// After a connect: the socket registered with the event loop for reads only.
//
// Asio's epoll reactor registers a descriptor for writability the first time a write, or
// a connect, has to wait, and never takes it back. The socket is edge-triggered, so from
// then on every ACK the peer sends (each frees send-buffer space) reports it writable and
// wakes the loop for nothing: on a keep-alive upstream connection that is once or more
// per request, for its whole life. Registering the descriptor anew (one epoll_ctl DEL and
// one ADD, once per connection) leaves read interest only; a later write that has to
// wait registers writability again, as before.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace faultline::net {

inline void keep_read_interest_only(boost::asio::ip::tcp::socket& socket,
                                    boost::system::error_code& ec) {
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  const auto descriptor = socket.release(ec);
  if (ec) return;
  socket.assign(protocol, descriptor, ec);
}

}  // namespace faultline::net
