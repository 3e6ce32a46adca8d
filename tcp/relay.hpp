// One proxied TCP connection (tcp/ internal): connects to the upstream, then relays both
// directions at once, each through its StageChain (stage_chain.hpp decides, relay.cpp
// carries out). Per direction a reader fills a fixed ring buffer (no allocation per chunk,
// and a full ring stops the reading, so back-pressure reaches the sender) and a writer
// passes the bytes on when their chain says. A FIN is passed on as a FIN (half-close); a
// chain's close or reset ends the whole connection.
//
// Everything runs on the io_context of the worker the connection was accepted onto; close()
// and chain_changed() may be called from any thread (they post).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "tcp/proxy_state.hpp"

namespace faultline::tcp {

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
  virtual void chain_changed(Stream stream, std::shared_ptr<const ChainSnapshot> chain) = 0;
};

// Starts relaying `client` on its socket's executor. The connection registers itself in
// `proxy->connections` and leaves it when it ends. `generation`: the proxy's generation when
// the client was accepted (an older one is refused); `worker`: the metrics stripe of the
// thread the socket belongs to.
void start_connection(std::shared_ptr<ProxyState> proxy, boost::asio::ip::tcp::socket client,
                      std::uint64_t generation, std::size_t worker);

}  // namespace faultline::tcp
