// What a `faultline bench` run is asked to do, as plain values: built once from the
// command line (app/bench_command.cpp) or a scenario file (scenario_loader.hpp), then
// read-only for the whole run. No I/O and no clocks here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/experiment_plan.hpp"
#include "loadgen/target_url.hpp"
#include "loadgen/threshold.hpp"

namespace faultline::loadgen {

using Micros = std::chrono::microseconds;

// One entry of the weighted request mix. The wire bytes are built from it once
// (request_mix.hpp), never per request.
struct RequestTemplate {
  std::string method = "GET";
  std::string path = "/";  // origin-form target, query included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  unsigned weight = 1;
};

enum class LoadModel { open, closed };

// A stage of the run. Open model: the rate goes linearly from `from_rate` to `rate` over
// `duration` (equal for a constant or a step). Closed model: `users` connections each send
// back to back for `duration`.
struct Stage {
  std::string name;
  Micros duration{0};
  double from_rate = 0;  // requests/s at the stage's start (open model)
  double rate = 0;       // requests/s at the stage's end (open model)
  unsigned users = 0;    // connections sending (closed model)
};

// Stress: one constant-rate stage per rate, stopping at the first step that breaks.
struct StressSettings {
  std::vector<double> rates;
  Micros step_duration = std::chrono::seconds(30);
  Micros break_p95 = std::chrono::seconds(5);
  double break_error_rate = 0.1;
};

// --shard i/N (shard.hpp): this generator's share of a run spread over several.
struct Shard {
  unsigned index = 0;  // 0 .. count-1
  unsigned count = 1;
};

struct BaselineGate {
  std::string path;             // a previous --json report
  double max_regression = 0.1;  // fraction: 0.1 = 10 %
};

struct BenchPlan {
  TargetUrl target;
  // https targets: the CA bundle the server's certificate is verified against ("" = the
  // system's store), or no verification at all (`insecure`, only when asked for).
  std::string cacert;
  bool insecure = false;
  std::vector<RequestTemplate> requests;  // at least one
  LoadModel model = LoadModel::closed;
  unsigned connections = 0;   // closed: users when no stages; open: cap on requests in flight
  unsigned threads = 0;       // 0 = one per core (at most one per connection)
  std::vector<Stage> stages;  // at least one (or built from stress)
  std::optional<StressSettings> stress;
  Micros timeout = std::chrono::seconds(10);   // per request, connect included
  Micros interval = std::chrono::seconds(10);  // soak intervals in the report
  std::vector<Threshold> thresholds;
  std::optional<BaselineGate> baseline;
  std::string json_path;       // "" = no JSON report
  std::string html_path;       // "" = no HTML report
  std::string metrics_listen;  // "" = no Prometheus endpoint
  std::string hdr_log_path;    // "" = no HdrHistogram interval log
  std::string monitor_url;     // --monitor: the target's Prometheus process_* metrics
  int monitor_pid = 0;         // --monitor-pid: the target's /proc/PID (0 = none)
  std::uint64_t seed = 1;      // request-mix choices
  std::optional<Shard> shard;
  std::optional<double> start_at;  // Unix seconds: time 0 of the run, shared by its shards

  // A chaos experiment (scenario only).
  std::optional<ExperimentSettings> experiment;

  Micros total_duration() const {
    Micros total{0};
    for (const Stage& s : stages) total += s.duration;
    return total;
  }
  // The most connections any stage uses: what the workers allocate.
  unsigned max_connections() const;
};

// The default cap on requests in flight in the open model (README "Load generator": --rate).
inline constexpr unsigned kDefaultOpenConnections = 64;
// The default number of connections of the closed model (as wrk's -c default).
inline constexpr unsigned kDefaultClosedConnections = 10;

// Checks the cross-field rules every plan must satisfy (after defaults are applied);
// returns the problems as messages, empty when the plan can run.
std::vector<std::string> validate_plan(const BenchPlan& plan);

// Replaces the stages by one constant-rate stage per stress rate.
void expand_stress_stages(BenchPlan& plan);

}  // namespace faultline::loadgen
