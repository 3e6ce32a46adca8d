// Accepts connections on one acceptor and hands each to the next worker loop, round
// robin, where `serve` runs it. Ends when the acceptor is closed.
#pragma once

#include <functional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/worker_threads.hpp"

namespace faultline::net {

using ConnectionHandler =
    std::function<boost::asio::awaitable<void>(std::size_t worker, boost::asio::ip::tcp::socket)>;

boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         WorkerThreads& workers, ConnectionHandler serve);

}  // namespace faultline::net
