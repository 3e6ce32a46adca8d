// Runs a BenchPlan: starts the workers, walks the stages (changing users in the closed
// model), collects each stage's and each interval's numbers at its boundary, decides
// stress steps, prints progress, and returns the RunResult. It owns threads and clocks;
// every decision it takes is one of the pure functions of run_result.hpp.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "loadgen/live_counters.hpp"
#include "loadgen/load_worker.hpp"
#include "loadgen/monitor_source.hpp"
#include "loadgen/plan.hpp"
#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

struct RunHooks {
  // Called about once a second with the live progress line (for a terminal).
  std::function<void(const std::string& line)> progress;
  // Called once the --metrics-listen endpoint is up, with its address.
  std::function<void(const std::string& address)> metrics_listening;
  // Set (from a signal handler) to end the run early; the report covers what ran.
  const std::atomic<bool>* interrupted = nullptr;
  // --monitor, --monitor-pid: sampled at time 0 and at every interval and stage boundary.
  MonitorSource* monitor = nullptr;
  // Called once the workers have started, with the run's time 0 and its live counters
  // (a chaos experiment samples them and switches faults on that clock).
  std::function<void(Clock::time_point run_start, const LiveCounters& live)> run_started;
  // Called when the run is over, however run_bench leaves once the workers have started (an
  // exception included, even one from run_started), while the live counters still exist.
  std::function<void()> run_stopped;
  // https: called once, on the coordinator, with the first TLS handshake failure's message.
  std::function<void(const std::string& message)> tls_failure;
};

// Returns an error message when the run could not start (unresolvable host, metrics
// address taken), or "" after storing the outcome in `out`.
std::string run_bench(const BenchPlan& plan, const RunHooks& hooks, RunResult& out);

}  // namespace faultline::loadgen
