// `faultline echo`: the built-in upstream for the demo, the tests and the benchmarks.
//   /status/{code}  that status        /delay/{ms}  wait, then 200 "ok"
//   /bytes/{n}      n pattern bytes    /headers     the request's header lines
//   /stream/{n}?every={ms}  n server-sent events, one every ms (default 1000), as produced
//   a request with a body gets it echoed back (streamed); anything else: 200 "ok".
// Every response names its connection in x-echo-connection, so tests can see reuse.
// With a TLS context (`--tls-cert`, `--tls-key`) every endpoint is served over HTTPS.
#pragma once

#include <memory>
#include <string>

#include "base/host_port.hpp"
#include "echo/echo_requests.hpp"

namespace boost::asio::ssl {
class context;
}

namespace faultline::echo {

class EchoServer {
 public:
  // `tls`: a listener context (net::make_server_tls), or nullptr for plain HTTP.
  EchoServer(faultline::HostPort listen, unsigned threads,
             std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~EchoServer();

  void start();  // throws std::runtime_error when it cannot bind
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::echo
