// Runs the chaos-experiment side of a bench run, beside the load: before any load it reads
// the proxy's fault state through the admin API, checks the token and the profiles the
// stages name, and applies the first stage's switch; during the run one thread samples the
// live counters every step for the steady-state windows and another applies each stage's
// switch at its start, recording when it took effect; at the end it restores the state it
// found. The judging itself is pure (experiment_verdict.hpp).
//
// Use: prepare() → run_bench with hooks.run_started calling run_started() → run_finished()
// → restore() → outcome(). The destructor restores too, so an exception on the way still
// puts the proxy back.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "loadgen/live_counters.hpp"
#include "loadgen/load_worker.hpp"
#include "loadgen/plan.hpp"
#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

class ExperimentDriver {
 public:
  // `end_run` is set when a switch fails during the run, which ends it (as Ctrl-C does).
  ExperimentDriver(const BenchPlan& plan, std::atomic<bool>* end_run);
  ~ExperimentDriver();
  ExperimentDriver(const ExperimentDriver&) = delete;
  ExperimentDriver& operator=(const ExperimentDriver&) = delete;

  // Before any load. Returns an error message (the run must not start) or "".
  std::string prepare();
  // From RunHooks::run_started: the run's time 0 and its live counters.
  void run_started(Clock::time_point run_start, const LiveCounters& live);
  // From RunHooks::run_stopped (the workers have stopped, the live counters still exist):
  // the last sample, threads joined. Later calls do nothing.
  void run_finished();
  // Puts back the fault state prepare() found, once; later calls do nothing. Returns the
  // error of a restore that failed, or "".
  std::string restore();
  // "restored http://127.0.0.1:9901 to profile none, faults on"
  std::string restore_summary() const;

  // Judges the run (after run_finished and restore).
  ExperimentOutcome outcome(const RunResult& result) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::loadgen
