// What one TCP proxy's listener and connections share (tcp/ internal): its name, metrics,
// upstream, the current stage chains of both directions and the set of open connections.
// The chains are immutable snapshots: a change makes a new one and hands it to every open
// connection, which switches over on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/striped_counter.hpp"
#include "metrics/tcp_metrics.hpp"
#include "tcp/stage.hpp"

namespace faultline::tcp {

class Connection;

// A direction's stages with the faultline_tcp_faults_injected_total cell of each.
struct ChainSnapshot {
  std::vector<ChainEntry> entries;
  std::vector<metrics::StripedCounter*> injected;  // one per entry
};

struct ProxyState {
  std::uint64_t id = 0;
  std::string name;
  metrics::TcpProxyMetrics* metrics = nullptr;
  Duration connect_timeout{2'000'000};
  std::uint64_t seed = 0;                  // decisions of connection n: Rng::for_request(seed, n)
  std::atomic<std::uint64_t> sequence{0};  // connections accepted so far

  std::mutex mutex;              // guards everything below
  std::string upstream;          // "host:port", dialled for each connection
  std::uint64_t generation = 0;  // +1 on every stop: connections of an older one are refused
  std::shared_ptr<const ChainSnapshot> chains[2] = {std::make_shared<ChainSnapshot>(),
                                                    std::make_shared<ChainSnapshot>()};
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
};

}  // namespace faultline::tcp
