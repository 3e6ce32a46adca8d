// Binds listening sockets. One acceptor serves all workers: it accepts each connection
// straight onto the next worker's loop (round robin). SO_REUSEPORT acceptors were avoided
// on purpose: they let a second process silently share a port instead of failing to bind.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

#include <boost/asio/io_context.hpp>
#include "config/config.hpp"

namespace faultline::proxy {

// Throws std::runtime_error naming the address and the reason when it cannot bind.
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& context,
                                             const config::HostPort& address);

std::string to_string(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace faultline::proxy
