// The chaos-experiment parts of a scenario file, read with the same strict reader as the
// rest of it (every problem is "file:line:col: key.path: message"):
//
//   [experiment]  admin = "http://127.0.0.1:9901", token_env = "VAR",
//                 steady_state = { p99 = "50ms", error_rate = 0.001 }, recovery_within = "5s"
//   [[stages]]    profile = "NAME" and/or faults = "off" | "on"
//
// Internal to scenario_loader.cpp.
#pragma once

#include <optional>

#include <toml++/toml.h>

#include "loadgen/experiment_plan.hpp"
#include "toml/table_reader.hpp"

namespace faultline::loadgen::scenario {

// Reads a stage's `profile` and `faults` keys into `out`. Returns the node of the first
// one present, so that later checks can point at it, or nullptr.
const toml::node* read_fault_switch(TableReader& stage, FaultSwitch& out);

// Reads the [experiment] table; nullopt when it is absent or has errors (reported).
std::optional<ExperimentSettings> read_experiment(TableReader& root, Diagnostics& diagnostics);

}  // namespace faultline::loadgen::scenario
