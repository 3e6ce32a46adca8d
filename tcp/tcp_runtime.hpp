// The TCP proxies of one process: worker threads (one io_context each), a listener per
// proxy, and the connections they accept, spread over the workers in turn. It is the
// ListenerControl of the Toxiproxy API's ProxyCollection and of the [[tcp]] proxies of the
// config. No Asio in this header: app/ includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tcp/proxy_collection.hpp"

namespace faultline::metrics {
class TcpMetrics;
}

namespace faultline::tcp {

struct RuntimeOptions {
  unsigned threads = 1;
  // Resolved (not 0): connection n of a proxy rolls Rng::for_request(seed, n).
  std::uint64_t seed = 0;
};

class TcpRuntime final : public ListenerControl {
 public:
  // Starts the worker threads. `metrics` must outlive the runtime; its stripes are the workers.
  TcpRuntime(RuntimeOptions options, metrics::TcpMetrics& metrics);
  ~TcpRuntime() override;
  TcpRuntime(const TcpRuntime&) = delete;
  TcpRuntime& operator=(const TcpRuntime&) = delete;

  Result start(std::uint64_t id, const std::string& name, const std::string& listen,
               const std::string& upstream, Duration connect_timeout) override;
  void stop(std::uint64_t id) override;
  void set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) override;
  void forget(std::uint64_t id) override;
  Result resolve(const std::string& listen) override;

  // SIGTERM: closes every listener, lets open connections end by themselves until `timeout`
  // has passed, then closes the rest. True when none had to be closed.
  bool drain(std::chrono::milliseconds timeout);
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::tcp
