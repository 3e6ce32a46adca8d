// The command-line form of a bench run, as the strings and numbers the user typed, and
// its translation into a BenchPlan. app/bench_command.cpp binds these fields to CLI11
// options; everything that can be wrong with them is found here, where it is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgen/plan.hpp"

namespace faultline::loadgen {

struct BenchFlags {
  std::string url;
  std::string scenario;  // -s FILE
  std::optional<double> rate;
  std::optional<unsigned> connections;
  std::string duration = "30s";
  bool duration_set = false;
  std::optional<unsigned> threads;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // text, or @file
  std::vector<std::string> thresholds;
  std::string json_path;
  std::string html_path;
  std::string baseline;
  std::string max_regression = "10%";
  std::string stress;  // "50,100,200"
  std::string step_duration = "30s";
  std::string break_p95 = "5s";
  std::optional<double> break_error_rate;
  std::string metrics_listen;
  std::string hdr_log;   // --hdr-log FILE
  std::string shard;     // --shard i/N
  std::string start_at;  // --start-at TIME (overrides the scenario's [load] start_at)
  std::string monitor;   // --monitor URL
  std::optional<int> monitor_pid;
  std::string cacert;     // --cacert FILE (https)
  bool insecure = false;  // --insecure (https)
  std::string timeout = "10s";
  std::string interval = "10s";
  std::vector<std::string> set_flags;  // names of load-shaping flags given (for -s conflicts)
};

struct FlagsResult {
  std::optional<BenchPlan> plan;
  std::vector<std::string> errors;  // usage errors: exit 2
};

// `cores` is the default thread count. With -s the scenario file is loaded and its errors
// (file:line:col) returned; the output flags (--json, --threshold, --baseline,
// --metrics-listen, --threads) and --cacert/--insecure still apply (over [target]'s).
FlagsResult plan_from_flags(const BenchFlags& flags, unsigned cores);

}  // namespace faultline::loadgen
