// What a chaos experiment asks for, as plain values read from a scenario's [experiment]
// table and its stages' `profile` / `faults` keys (scenario_loader.hpp): which admin API
// to drive, the steady-state hypothesis, and how fast the service must return to it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/target_url.hpp"
#include "loadgen/threshold.hpp"

namespace faultline::loadgen {

// What a stage switches on the proxy at its start, through the admin API. Either part may
// be absent; a stage with neither leaves the proxy as the previous stage had it.
struct FaultSwitch {
  std::optional<std::string> profile;  // PUT /api/v1/profiles/active
  std::optional<bool> faults_enabled;  // POST /api/v1/faults/enable | .../disable
  bool any() const { return profile.has_value() || faults_enabled.has_value(); }
};

struct ExperimentSettings {
  TargetUrl admin;        // "http://host:port" of the proxy's admin listener
  std::string token_env;  // names the environment variable holding the admin token; "" = none
  std::vector<Threshold> steady_state;  // all must hold (strictly below their limits)
  std::chrono::microseconds recovery_within{std::chrono::seconds(5)};
  std::vector<FaultSwitch> stage_switches;  // one per stage of the plan, in order
};

}  // namespace faultline::loadgen
