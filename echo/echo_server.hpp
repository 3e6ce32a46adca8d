// `faultline echo`: the built-in upstream for the demo, the tests and the benchmarks.
//   /status/{code}  that status        /delay/{ms}  wait, then 200 "ok"
//   /bytes/{n}      n pattern bytes    /headers     the request's header lines
//   /stream/{n}?every={ms}  n server-sent events, one every ms (default 1000), as produced
//   a request with a body gets it echoed back (streamed); anything else: 200 "ok".
// Every response names its connection in x-echo-connection, so tests can see reuse.
#pragma once

#include <memory>
#include <string>

#include "base/host_port.hpp"

namespace faultline::echo {

class EchoServer {
 public:
  EchoServer(faultline::HostPort listen, unsigned threads);
  ~EchoServer();

  void start();  // throws std::runtime_error when it cannot bind
  std::string address() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Byte i of every /bytes/{n} body.
constexpr char echo_pattern_byte(std::uint64_t i) {
  return static_cast<char>('a' + i % 26);
}

}  // namespace faultline::echo
