// Scenario files for `faultline bench -s FILE` (README "Load generator"): TOML read with
// the same strict reader as the proxy config (config/table_reader.hpp), so every problem
// is reported as "file:line:col: key.path: message" and unknown keys are errors.
//
//   [target]      url
//   [[requests]]  weight, method, path, headers = {..}, body | body_file
//   [load]        model = "open"|"closed", connections, threads, timeout, interval
//   [[stages]]    name, duration, rate (+ optional from) | users; profile, faults
//   [stress]      rates, step_duration, break_p95, break_error_rate
//   [thresholds]  p50|p95|p99|p999|max|mean = "300ms", error_rate = 0.01
//   [experiment]  admin, token_env, steady_state, recovery_within (scenario_experiment.hpp)
//
// Open-model ramps: a stage goes linearly from `from` to `rate`; `from` defaults to the
// previous stage's rate, and for the first stage to its own rate (a constant start). A
// step is a stage whose `from` equals its `rate`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/plan.hpp"
#include "toml/diagnostics.hpp"

namespace faultline::loadgen {

struct ScenarioResult {
  std::optional<BenchPlan> plan;  // set exactly when errors is empty
  std::vector<faultline::Diagnostic> errors;
};

// `base_dir` resolves relative body_file paths.
ScenarioResult parse_scenario(std::string_view toml_text, std::string_view source_name,
                              const std::string& base_dir = ".");
ScenarioResult load_scenario_file(const std::string& path);

// Fills in what neither the file nor the flags set: connections (64 open, 10 closed),
// threads (cores, at most the connections). Used by both the scenario and the flags.
void apply_defaults(BenchPlan& plan, unsigned cores);

}  // namespace faultline::loadgen
