// The [target] table of a scenario file:
//
//   [target]  url = "https://127.0.0.1:8443/api", cacert = "ca.pem" | insecure = true
//
// `cacert` is relative to the scenario file's directory (as body_file is). Internal to
// scenario_loader.cpp.
#pragma once

#include <string>

#include "loadgen/plan.hpp"
#include "toml/table_reader.hpp"

namespace faultline::loadgen::scenario {

// Reads [target] into plan.target, plan.cacert and plan.insecure; problems are reported.
void read_target(TableReader& root, Diagnostics& diagnostics, const std::string& base_dir,
                 BenchPlan& plan);

}  // namespace faultline::loadgen::scenario
