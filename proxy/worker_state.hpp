// What one worker loop owns: its config snapshot, its upstream pools, the sessions it
// runs. Touched only from that worker's thread (the drain is posted to it).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.hpp"
#include "net/splice_pipe.hpp"
#include "proxy/route_table.hpp"

namespace faultline::metrics {
class ProxyMetrics;
class RouteMetrics;
class StripedCounter;
}  // namespace faultline::metrics

namespace faultline::faults {
struct Profile;
}

namespace faultline::proxy {

class AccessLog;
class FaultRuntime;
class UpstreamPools;

using Clock = std::chrono::steady_clock;

// The config a request runs under, shared by every request that started with it, with
// the metric handles of its routes looked up once. A reload, a profile switch or the kill
// switch builds a new one (see LiveConfig); requests in flight keep theirs to the end.
struct Snapshot {
  // `profile`: the active profile's name (the config's, or one chosen over the admin API);
  // `faults_enabled`: false while the kill switch is on.
  Snapshot(std::shared_ptr<const config::Config> c, metrics::ProxyMetrics& metrics,
           std::string_view profile, bool faults_enabled);
  std::shared_ptr<const config::Config> config;
  RouteTable routes;
  std::vector<metrics::RouteMetrics*> route_metrics;  // index = route index in config
  metrics::RouteMetrics* unmatched_metrics;           // requests no route took (404, 400)
  const faults::Profile* active_profile;              // never null ("none" is built in)
  bool faults_enabled;  // false: no rule and no header control injects anything
  // How often the worker checks deadlines: a tenth of the shortest timeout configured,
  // between 1 ms and 100 ms, so a timeout fires at most 10 % (or 100 ms) late.
  Clock::duration watchdog_tick;
  // faultline_faults_injected_total of route i, rule, kind; header-control rules are
  // looked up on first use (see fault_counter).
  std::vector<std::map<std::string, metrics::StripedCounter*>> fault_counters;  // "rule\nkind"
  metrics::ProxyMetrics* metrics;

  metrics::StripedCounter& fault_counter(std::size_t route, std::string_view rule,
                                         std::string_view kind) const;
};

// The route label of requests that matched no route.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

// What the worker knows of one client session. A session waiting for its next request is
// idle: the drain closes it at once; one inside a request is left to finish.
//
// Timeouts are deadlines, not timers: a session stores when its client (and the upstream
// connection it is using) must next make progress, and the worker's watchdog closes a
// socket whose deadline has passed. Setting a deadline costs a clock read; a timer per
// socket operation (Beast's tcp_stream) cost a tenth of the proxy's instructions.
struct SessionSlot {
  boost::asio::ip::tcp::socket* client = nullptr;
  boost::asio::ip::tcp::socket* upstream = nullptr;
  // Each is max() while no such operation is under way.
  Clock::time_point client_read_deadline = Clock::time_point::max();
  Clock::time_point client_write_deadline = Clock::time_point::max();
  Clock::time_point upstream_read_deadline = Clock::time_point::max();
  Clock::time_point upstream_write_deadline = Clock::time_point::max();
  bool client_expired = false;    // the watchdog closed the client socket
  bool upstream_expired = false;  // the watchdog closed the upstream socket
  bool idle = true;
};

// Sets a deadline for one operation and clears it when the operation is over. For one
// socket operation, a temporary around it:
//   co_await OperationDeadline(slot.client_read_deadline, timeout).around(socket_operation)
// lives until the co_await has resumed. A wrapper coroutine would do the same at the cost
// of one more frame per socket operation, and at high concurrency frames outnumber Asio's
// recycling cache and cost a malloc each.
class OperationDeadline {
 public:
  OperationDeadline(Clock::time_point& deadline, Clock::duration timeout) : deadline_(deadline) {
    deadline_ = Clock::now() + timeout;
  }
  ~OperationDeadline() { deadline_ = Clock::time_point::max(); }
  OperationDeadline(const OperationDeadline&) = delete;
  OperationDeadline& operator=(const OperationDeadline&) = delete;

  // Asio's awaitables start only when awaited, so the deadline covers exactly the operation.
  template <class Result>
  boost::asio::awaitable<Result> around(boost::asio::awaitable<Result> operation) const {
    return operation;
  }

 private:
  Clock::time_point& deadline_;
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
  net::SplicePipes pipes;
  AccessLog* access_log = nullptr;           // owned by the server; nullptr = off
  metrics::ProxyMetrics* metrics = nullptr;  // owned by the server
  FaultRuntime* faults = nullptr;            // owned by the server
  std::size_t index = 0;                     // this worker's metrics stripe
  bool draining = false;

  // Runs on the worker's thread: requests from now on run under `next`.
  void install(std::shared_ptr<const Snapshot> next);
  // Runs on the worker's thread: no new requests; idle sessions are closed now.
  void begin_drain();
  // Closes the sockets whose deadline is at or before `now` (see SessionSlot).
  void close_expired(Clock::time_point now);
  // Closes pooled upstream connections (before the worker's loop is destroyed).
  void close_upstream_pools();
};

boost::asio::awaitable<void> run_client_session(WorkerState& worker,
                                                boost::asio::ip::tcp::socket socket);

// The worker's watchdog: every tick (of the current snapshot), closes what has outlived
// its deadline. Ends once the worker drains and its last session is gone, so the loop
// can return.
boost::asio::awaitable<void> watch_deadlines(WorkerState& worker);

}  // namespace faultline::proxy
