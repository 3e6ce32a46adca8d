// Keep-alive connections towards one route's upstream, owned by one worker (no locks).
// Idle connections are reused newest first.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "config/config.hpp"
#include "net/byte_stream.hpp"
#include "net/tls_failure.hpp"

namespace faultline::metrics {
class ProxyMetrics;
}

namespace faultline::proxy {

struct UpstreamConnection {
  explicit UpstreamConnection(boost::asio::any_io_executor executor) : stream(executor) {}
  ~UpstreamConnection();   // counts the connection out of faultline_connections{upstream}
  net::ByteStream stream;  // TLS for an https upstream
  metrics::ProxyMetrics* metrics = nullptr;  // set once connected: it is then counted
  std::size_t worker = 0;
  boost::beast::flat_buffer buffer;  // bytes read past the previous response
  bool reused = false;               // came from the idle pool (may have been closed meanwhile)
  std::chrono::steady_clock::time_point idle_since{};
};

struct ConnectResult {
  boost::system::error_code error;
  std::optional<net::TlsFailure> tls_failure;  // the TCP connection opened, TLS did not
  std::unique_ptr<UpstreamConnection> connection;
};

// The pool follows demand: it keeps as many idle connections as requests recently had in
// flight at once (the peak over the last 10 to 20 s), and at least max_idle. A burst of 200
// requests finds 200 warm connections the next time instead of 64 and 136 connects (what a
// fixed cap did); when the load goes, the surplus is closed as the peak ages out.
class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle) : max_idle_(max_idle) {}

  // A request uses one of this pool's connections (taken or newly opened) for its lifetime.
  class Use {
   public:
    explicit Use(UpstreamPool& pool) : pool_(pool) {
      ++pool_.in_use_;
      pool_.current_peak_ = std::max(pool_.current_peak_, pool_.in_use_);
    }
    ~Use() { --pool_.in_use_; }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    UpstreamPool& pool_;
  };

  // An idle connection, or nullptr. A connection idle for long, or one that is to carry a
  // body (which could not be replayed on another connection), is first checked for having
  // been closed by the upstream; one that was idle only briefly is not, to save a system
  // call per request: if it turns out closed, a request without a body is retried.
  std::unique_ptr<UpstreamConnection> take_idle(bool will_send_body);
  // Keeps the connection for reuse, or closes it when the pool has enough idle ones (see
  // above) or is retired. Called while the returning request's Use is still alive.
  void give_back(std::unique_ptr<UpstreamConnection> connection,
                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  std::size_t idle_count() const { return idle_.size(); }

 private:
  friend class UpstreamPools;
  std::size_t max_idle_;
  std::size_t in_use_ = 0;  // connections requests hold now (see Use)
  // The most in use at once in this window and in the one before it.
  std::size_t current_peak_ = 0, previous_peak_ = 0;
  std::chrono::steady_clock::time_point window_start_{};
  bool retired_ = false;  // no route of the current config uses it: keep nothing idle
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

// A pool per route name and upstream URL, so a reload that changes a route's upstream
// gets a fresh pool and one that changes nothing else keeps its warm connections.
class UpstreamPools {
 public:
  // A reload (or the start): requests of `routes` find their pools by index from now on.
  // Pools no route uses any more close their idle connections; their objects stay,
  // because requests still in flight under the previous config may hold them.
  void adopt(const std::vector<config::RouteConfig>& routes);

  // The pool of routes[index]. Fast for the adopted routes; requests that started under
  // an earlier config (their `routes` is another vector) look theirs up by key.
  UpstreamPool& for_route(const std::vector<config::RouteConfig>& routes, std::size_t index);

 private:
  UpstreamPool& by_key(const config::RouteConfig& route);

  std::unordered_map<std::string, UpstreamPool> pools_;  // node-based: references stay valid
  // The adopted routes: alive as long as the worker's snapshot holds them, so no other
  // vector can have this address while they are adopted.
  const std::vector<config::RouteConfig>* adopted_ = nullptr;
  std::vector<UpstreamPool*> by_index_;
};

struct SessionSlot;

// Opens a new connection to the route's upstream (resolving names), with its TLS
// handshake for an https one. The session's watchdog slot watches it from the start:
// connect and handshake together must be done within connect_timeout.
boost::asio::awaitable<ConnectResult> connect_upstream(const config::RouteConfig& route,
                                                       SessionSlot& watch);

}  // namespace faultline::proxy
