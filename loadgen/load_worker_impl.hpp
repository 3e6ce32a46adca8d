// The inside of a LoadWorker, shared by its two halves: load_worker.cpp (scheduling:
// which connection sends what when, timeouts, stopping) and connection_exchange.cpp (one
// request on one connection: connect, TLS, write, read, parse). Internal to those two.
#pragma once

#include <array>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "loadgen/load_worker.hpp"
#include "loadgen/response_parser.hpp"
#include "loadgen/tls_session.hpp"

namespace faultline::loadgen {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

inline constexpr std::size_t kReadBufferBytes = 16 * 1024;

struct LoadWorker::Impl {
  struct Connection {
    explicit Connection(asio::io_context& io, std::size_t slot) : socket(io), slot(slot) {}
    tcp::socket socket;
    std::unique_ptr<TlsSession> tls;  // https, once connected
    std::size_t slot;
    bool busy = false;
    bool timed_out = false;
    bool reused = false;         // the request went on a connection that had answered before
    bool retried = false;        // already resent once after a stale keep-alive close
    Clock::time_point intended;  // latency counts from here
    Clock::time_point started;   // the timeout counts from here
    const PreparedRequest* request = nullptr;
    std::size_t written = 0;
    ResponseParser parser;
    std::array<char, kReadBufferBytes> buffer;
  };

  explicit Impl(WorkerSetup s);

  // ---- scheduling (load_worker.cpp) ----
  Clock::time_point due(std::uint64_t index) const;
  void begin();
  void arm_dispatch_timer();
  void dispatch_due(Clock::time_point now, bool everything_left = false);
  void activate_users();
  void send(Connection& c, Clock::time_point intended, Clock::time_point now);
  void release(Connection& c, Clock::time_point now);
  void arm_watchdog();
  void stop_sending(std::chrono::nanoseconds stop_at);
  void finish();

  // ---- one exchange (connection_exchange.cpp) ----
  void start_exchange(Connection& c);
  void start_tls(Connection& c);
  void handshake(Connection& c);
  void write(Connection& c);
  void write_tls(Connection& c);
  void wait_readable(Connection& c);
  void read(Connection& c);
  void read_tls(Connection& c);
  // Feeds n bytes of c.buffer to the parser; true when that ended the exchange.
  bool take(Connection& c, std::size_t n);
  // Waits for `direction`, then calls `next` (or fails the request).
  void wait_then(Connection& c, tcp::socket::wait_type direction, void (Impl::*next)(Connection&));
  void fail_or_retry(Connection& c);
  void complete(Connection& c);
  void fail(Connection& c, ErrorKind kind);
  void close(Connection& c);

  WorkerSetup setup;
  const BenchPlan& plan;
  const bool open;
  // One thread runs every socket and timer of this worker, so the reactor's per-descriptor
  // locks are not needed; posts from the coordinator still go through the locked scheduler.
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  tcp::endpoint endpoint;
  asio::steady_timer dispatch_timer;
  asio::steady_timer watchdog;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<Connection*> idle;  // open model: free connections, most recently used last
  std::uint64_t rng;
  Clock::time_point run_start;
  std::uint64_t next_index = 0;  // open model: the next request of this worker's share
  std::uint64_t end_index = 0;   // open model: one past the last request to send
  unsigned active_users = 0;     // closed model
  std::size_t inflight = 0;
  bool sending = true;
  bool timer_armed = false;
  bool finished = false;
  WorkerRecorder recorder;
  std::thread thread;
};

}  // namespace faultline::loadgen
