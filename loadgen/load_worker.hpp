// One load-generating thread: its own event loop (Asio io_context), its share of the
// connections and, in the open model, its share of the schedule (requests i with
// i mod workers = index; with --shard, of the shard's share). Everything a worker records goes to
// its own PeriodStats and its stripe of LiveCounters; the coordinator (bench_runner) talks to it
// only through the methods below, which hand a small job to the worker's thread and wait for it.
//
// This header is free of Asio; the networking lives in load_worker.cpp (scheduling) and
// connection_exchange.cpp (one request on one connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "loadgen/endpoint.hpp"
#include "loadgen/live_counters.hpp"
#include "loadgen/plan.hpp"
#include "loadgen/rate_schedule.hpp"
#include "loadgen/request_mix.hpp"
#include "loadgen/worker_recorder.hpp"

namespace faultline::net {
class ClientTls;
}

namespace faultline::loadgen {

class FirstTlsFailure;

using Clock = std::chrono::steady_clock;

struct WorkerSetup {
  std::size_t index = 0;
  std::size_t workers = 1;
  const BenchPlan* plan = nullptr;
  const RequestMix* mix = nullptr;
  const RateSchedule* schedule = nullptr;  // open model only
  LiveCounters* live = nullptr;
  Endpoint endpoint;
  // https: the client context every worker shares (SNI and the name checked come from
  // plan->target.host), and where the first handshake failure is kept. nullptr: plain.
  net::ClientTls* tls = nullptr;
  FirstTlsFailure* tls_failure = nullptr;
  unsigned connections = 1;  // this worker's connection slots
  // Open model: the requests of the schedule this worker sends are first_request,
  // first_request + request_stride, ... (its share of the run, or of the run's shard).
  std::uint64_t first_request = 0;
  std::uint64_t request_stride = 1;
};

class LoadWorker {
 public:
  explicit LoadWorker(WorkerSetup setup);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // Starts the thread; the schedule's time 0 is `run_start`.
  void start(Clock::time_point run_start);
  // Closed model: how many of this worker's connections send (the others idle).
  void set_users(unsigned users);
  // Takes what was recorded since the previous harvest.
  PeriodStats harvest();
  // Sends nothing new from now on. Open model: requests due before `stop_at` (from the
  // run's start) that no connection was free to send are counted as unsent errors.
  void stop(std::chrono::nanoseconds stop_at);
  // Waits until the requests in flight have finished (each within the timeout).
  void join();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::loadgen
