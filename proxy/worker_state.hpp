// What one worker loop owns: its config snapshot, its upstream pools, the sessions it
// runs. Touched only from that worker's thread (the drain is posted to it).
#pragma once

#include <memory>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.hpp"
#include "proxy/route_table.hpp"

namespace faultline::proxy {

class AccessLog;
class UpstreamPools;

// The config a request runs under, shared by every request that started with it.
struct Snapshot {
  explicit Snapshot(std::shared_ptr<const config::Config> c)
      : config(std::move(c)), routes(config->routes) {}
  std::shared_ptr<const config::Config> config;
  RouteTable routes;
};

// A session waiting for its next request is idle: the drain closes it at once. A session
// inside a request is left to finish.
struct SessionSlot {
  boost::asio::ip::tcp::socket* socket = nullptr;
  bool idle = true;
};

// Reusable 64 KiB relay buffers, so streaming a body does not allocate per request.
class RelayBuffers {
 public:
  static constexpr std::size_t kSize = 64 * 1024;
  std::unique_ptr<char[]> take();
  void give_back(std::unique_ptr<char[]> buffer);

 private:
  std::vector<std::unique_ptr<char[]>> free_;
};

struct WorkerState {
  explicit WorkerState(std::shared_ptr<const Snapshot> s);
  ~WorkerState();

  std::shared_ptr<const Snapshot> snapshot;
  std::unique_ptr<UpstreamPools> pools;
  std::unordered_set<SessionSlot*> sessions;
  RelayBuffers buffers;
  AccessLog* access_log = nullptr;  // owned by the server; nullptr = off
  bool draining = false;

  // Runs on the worker's thread: no new requests; idle sessions are closed now.
  void begin_drain();
  // Closes pooled upstream connections (before the worker's loop is destroyed).
  void close_upstream_pools();
};

boost::asio::awaitable<void> run_client_session(WorkerState& worker,
                                                boost::asio::ip::tcp::socket socket);

}  // namespace faultline::proxy
