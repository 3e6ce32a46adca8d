// The load generator's networking: HTTP/1.1 over keep-alive TCP connections on Asio's
// reactor, written in the shape of wrk's event loop. Per request: one non-blocking write
// of pre-serialized bytes, a wait for readability, non-blocking reads fed to
// ResponseParser. Waiting with async_wait and then reading ourselves skips the
// speculative read Asio's async_read_some makes first, which on a request/response
// exchange nearly always fails with EAGAIN (one wasted syscall per request). Timeouts are
// checked by one watchdog timer per worker rather than one timer per request.
#include "loadgen/load_worker.hpp"

#include <array>
#include <future>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "loadgen/response_parser.hpp"

namespace faultline::loadgen {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadBufferBytes = 16 * 1024;
// A request picked up by a freed connection this long after it was due had to wait for
// a connection: it is counted as late.
constexpr auto kLateAfter = std::chrono::milliseconds(1);

std::uint64_t micros_between(Clock::time_point from, Clock::time_point to) {
  if (to <= from) return 0;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}

}  // namespace

struct LoadWorker::Impl {
  struct Connection {
    explicit Connection(asio::io_context& io, std::size_t slot) : socket(io), slot(slot) {}
    tcp::socket socket;
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

  explicit Impl(WorkerSetup s)
      : setup(std::move(s)),
        plan(*setup.plan),
        open(plan.model == LoadModel::open),
        endpoint(asio::ip::make_address(setup.endpoint.address), setup.endpoint.port),
        dispatch_timer(io),
        watchdog(io),
        work(io.get_executor()),
        rng(0x9E3779B97F4A7C15ull ^ (plan.seed * 0x100000001B3ull + setup.index + 1)),
        recorder(*setup.live, setup.index) {
    if (rng == 0) rng = 1;
    connections.reserve(setup.connections);
    for (std::size_t i = 0; i < setup.connections; ++i)
      connections.push_back(std::make_unique<Connection>(io, i));
    if (open) {
      // LIFO: the most recently used (warm, connected) connection goes first, so a slow
      // rate uses few connections.
      for (auto it = connections.rbegin(); it != connections.rend(); ++it)
        idle.push_back(it->get());
      next_index = setup.first_request;
      end_index = setup.schedule->total();
    }
  }

  // ---- scheduling ----

  Clock::time_point due(std::uint64_t index) const {
    return run_start + std::chrono::duration_cast<Clock::duration>(setup.schedule->due_time(index));
  }

  void begin() {
    arm_watchdog();
    if (open)
      arm_dispatch_timer();
    else
      activate_users();
  }

  void arm_dispatch_timer() {
    if (timer_armed || !sending || next_index >= end_index || idle.empty()) return;
    timer_armed = true;
    dispatch_timer.expires_at(due(next_index));
    dispatch_timer.async_wait([this](error_code ec) {
      timer_armed = false;
      if (ec) return;
      dispatch_due(Clock::now());
      arm_dispatch_timer();
    });
  }

  // Open model: sends every request that is due on the idle connections (with
  // `everything_left`, every request before end_index, due or not yet).
  void dispatch_due(Clock::time_point now, bool everything_left = false) {
    while (sending && next_index < end_index && !idle.empty()) {
      const Clock::time_point when = due(next_index);
      if (when > now && !everything_left) break;
      Connection* c = idle.back();
      idle.pop_back();
      next_index += setup.request_stride;
      send(*c, when, now);
    }
  }

  void activate_users() {
    const Clock::time_point now = Clock::now();
    for (auto& c : connections)
      if (c->slot < active_users && !c->busy && sending) send(*c, now, now);
  }

  // ---- one request ----

  // `now`: the caller's current time (the timeout counts from it).
  void send(Connection& c, Clock::time_point intended, Clock::time_point now) {
    c.busy = true;
    c.timed_out = false;
    c.retried = false;
    c.intended = intended;
    c.started = now;
    c.request = &setup.mix->pick(rng);
    ++inflight;
    recorder.inflight(+1);
    start_exchange(c);
  }

  void start_exchange(Connection& c) {
    c.parser.reset(c.request->head);
    c.written = 0;
    if (c.socket.is_open()) {
      c.reused = true;
      write(c);
      return;
    }
    c.reused = false;
    error_code ec;
    c.socket.open(endpoint.protocol(), ec);
    if (ec) {
      // Failing inside send() would recurse into the next send(); finish from the loop.
      asio::post(io, [this, &c] { fail(c, ErrorKind::connect); });
      return;
    }
    c.socket.async_connect(endpoint, [this, &c](error_code ec) {
      if (ec) return fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::connect);
      error_code ignored;
      c.socket.set_option(tcp::no_delay(true), ignored);
      c.socket.non_blocking(true, ignored);
      write(c);
    });
  }

  void write(Connection& c) {
    const std::string& wire = c.request->wire;
    error_code ec;
    const std::size_t n =
        c.socket.write_some(asio::buffer(wire.data() + c.written, wire.size() - c.written), ec);
    c.written += n;
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      asio::post(io, [this, &c] { fail_or_retry(c); });
      return;
    }
    if (c.written == wire.size()) return wait_readable(c);
    c.socket.async_wait(tcp::socket::wait_write, [this, &c](error_code ec) {
      if (ec) return fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::io);
      write(c);
    });
  }

  void wait_readable(Connection& c) {
    c.socket.async_wait(tcp::socket::wait_read, [this, &c](error_code ec) {
      if (ec) return fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::io);
      read(c);
    });
  }

  void read(Connection& c) {
    for (;;) {
      error_code ec;
      const std::size_t n = c.socket.read_some(asio::buffer(c.buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable(c);
      if (ec == asio::error::eof) {
        if (c.parser.feed_eof() == ResponseParser::Result::done) return complete(c);
        return fail_or_retry(c);
      }
      if (ec) return fail_or_retry(c);
      switch (c.parser.feed(c.buffer.data(), n)) {
        case ResponseParser::Result::done:
          return complete(c);
        case ResponseParser::Result::error:
          return fail(c, ErrorKind::io);
        case ResponseParser::Result::need_more:
          break;
      }
    }
  }

  // A keep-alive connection the server closed while idle fails on first use without a
  // byte of response: reconnect and send again, once (browsers do the same).
  void fail_or_retry(Connection& c) {
    if (c.reused && !c.retried && !c.timed_out && c.parser.consumed() == 0) {
      c.retried = true;
      close(c);
      return start_exchange(c);
    }
    fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::io);
  }

  void complete(Connection& c) {
    const Clock::time_point now = Clock::now();
    const std::uint64_t latency_us = micros_between(c.intended, now);
    recorder.response(latency_us, c.parser.status());
    if (!c.parser.keep_alive()) close(c);
    release(c, now);
  }

  void fail(Connection& c, ErrorKind kind) {
    close(c);
    recorder.error(kind);
    release(c, Clock::now());
  }

  void close(Connection& c) {
    error_code ignored;
    c.socket.close(ignored);
  }

  // The connection is free: give it the next request, or park it.
  void release(Connection& c, Clock::time_point now) {
    c.busy = false;
    --inflight;
    recorder.inflight(-1);
    if (!sending) {
      if (inflight == 0) finish();
      return;
    }
    if (!open) {
      if (c.slot < active_users) send(c, now, now);
      return;
    }
    if (next_index < end_index) {
      const Clock::time_point when = due(next_index);
      if (when <= now) {
        // Due while every connection was busy: it is sent now, its latency still counted
        // from `when`.
        if (now - when > kLateAfter) recorder.late();
        next_index += setup.request_stride;
        return send(c, when, now);
      }
    }
    idle.push_back(&c);
    arm_dispatch_timer();
  }

  // ---- timeouts and shutdown ----

  void arm_watchdog() {
    const auto tick = std::clamp<Clock::duration>(plan.timeout / 8, std::chrono::milliseconds(1),
                                                  std::chrono::milliseconds(100));
    watchdog.expires_after(tick);
    watchdog.async_wait([this](error_code ec) {
      if (ec || finished) return;
      const Clock::time_point now = Clock::now();
      for (auto& c : connections) {
        if (c->busy && !c->timed_out && now - c->started >= plan.timeout) {
          c->timed_out = true;
          close(*c);  // the pending operation completes with operation_aborted
        }
      }
      arm_watchdog();
    });
  }

  void stop_sending(std::chrono::nanoseconds stop_at) {
    if (!sending) return;
    if (open) {
      // Whatever can still go out on a free connection goes; the rest is unsent.
      const std::uint64_t due_total = setup.schedule->due_before(stop_at);
      end_index = std::min(end_index, due_total);
      dispatch_due(Clock::now(), /*everything_left=*/true);
      if (next_index < end_index) {
        recorder.error(ErrorKind::unsent,
                       (end_index - next_index + setup.request_stride - 1) / setup.request_stride);
        next_index = end_index;
      }
    }
    sending = false;
    dispatch_timer.cancel();
    if (inflight == 0) finish();
  }

  void finish() {
    if (finished) return;
    finished = true;
    watchdog.cancel();
    dispatch_timer.cancel();
    for (auto& c : connections) close(*c);
    work.reset();
  }

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

LoadWorker::LoadWorker(WorkerSetup setup) : impl_(std::make_unique<Impl>(std::move(setup))) {}

LoadWorker::~LoadWorker() {
  if (impl_->thread.joinable()) {
    asio::post(impl_->io,
               [impl = impl_.get()] { impl->stop_sending(std::chrono::nanoseconds(0)); });
    impl_->thread.join();
  }
}

void LoadWorker::start(Clock::time_point run_start) {
  impl_->run_start = run_start;
  asio::post(impl_->io, [impl = impl_.get()] { impl->begin(); });
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void LoadWorker::set_users(unsigned users) {
  std::promise<void> done;
  asio::post(impl_->io, [impl = impl_.get(), users, &done] {
    impl->active_users = users;
    impl->activate_users();
    done.set_value();
  });
  done.get_future().wait();
}

PeriodStats LoadWorker::harvest() {
  if (!impl_->thread.joinable()) return impl_->recorder.harvest();
  std::promise<PeriodStats> result;
  asio::post(impl_->io,
             [impl = impl_.get(), &result] { result.set_value(impl->recorder.harvest()); });
  return result.get_future().get();
}

void LoadWorker::stop(std::chrono::nanoseconds stop_at) {
  asio::post(impl_->io, [impl = impl_.get(), stop_at] { impl->stop_sending(stop_at); });
}

void LoadWorker::join() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace faultline::loadgen
