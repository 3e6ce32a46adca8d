// Binds listening sockets. One acceptor serves all workers: it accepts each connection
// straight onto the next worker's loop (round robin). SO_REUSEPORT acceptors were avoided
// on purpose: they let a second process silently share a port instead of failing to bind.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

#include <boost/asio/io_context.hpp>
#include "base/host_port.hpp"

namespace faultline::net {

// Throws std::runtime_error naming the address and the reason when it cannot bind.
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& context,
                                             const faultline::HostPort& address);

std::string to_string(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace faultline::net
