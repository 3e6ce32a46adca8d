// Judging a chaos experiment, as pure functions of what the run measured: which stages ran
// with faults, when each switch took effect, and the steady-state windows
// (steady_state.hpp). The verdict:
//
//   held             the hypothesis held in every stage before the first fault stage, and
//                    returned within recovery_within after the last fault stage ended;
//   deviated         it failed (or could not be measured) before the first fault, returned
//                    later than recovery_within, or no fault stage ran;
//   did not recover  a fault stage ran and the hypothesis had not returned when the run
//                    ended (also when the run ended with faults on).
//
// "Returned" is the start of the first window, at or after the moment the switch ending
// the faults took effect, in which the hypothesis held; recovery_seconds is the time from
// that moment to it, so its resolution is one window step.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/plan.hpp"
#include "loadgen/steady_state.hpp"

namespace faultline::loadgen {

// The proxy's fault state, as its admin API reports it.
struct FaultState {
  std::string profile = "none";
  bool enabled = true;  // false: the kill switch is on
  // The built-in profile "none" injects nothing; any other profile counts as a fault.
  bool injects() const { return enabled && profile != "none"; }
  bool operator==(const FaultState&) const = default;
};

// "spiky", or "spiky (faults off)" when the kill switch is on.
std::string describe(const FaultState& state);

// `state` after a stage's switch.
FaultState apply_switch(FaultState state, const FaultSwitch& change);

// The state each stage runs in: the one found before the run, then each stage's switch.
std::vector<FaultState> stage_fault_states(const std::vector<FaultSwitch>& stage_switches,
                                           const FaultState& before);

// A switch that took effect: at the start of stage `stage`, `at_seconds` into the run.
struct TimelineEntry {
  double at_seconds = 0;
  std::size_t stage = 0;
  FaultState state;
};

enum class ExperimentVerdict { held, deviated, did_not_recover };
std::string_view verdict_name(ExperimentVerdict verdict);  // "held", "did not recover", ...

// What the run measured, for judge_experiment.
struct ExperimentRecord {
  struct StageSpan {
    std::string name;
    double start_seconds = 0;
    double end_seconds = 0;
    FaultState state;
  };
  std::vector<StageSpan> stages;  // the stages that ran, in order
  std::vector<TimelineEntry> timeline;
  std::vector<WindowResult> windows;
  double window_seconds = 1;
  double recovery_within_seconds = 5;
  std::string switch_error;  // a switch that failed and ended the run early
};

struct ExperimentOutcome {
  ExperimentVerdict verdict = ExperimentVerdict::deviated;
  std::string reason;                          // one sentence for people
  std::optional<double> recovery_seconds;      // set when the hypothesis returned
  std::optional<double> faults_ended_seconds;  // when the last fault stage's end took effect
  std::vector<FaultState> stage_states;        // per stage that ran
  // Per stage: whether the hypothesis held in every window inside it (windows before the
  // service's return after a fault, when within recovery_within, excused); nullopt when
  // no window lies inside the stage.
  std::vector<std::optional<bool>> stage_steady_state;
  std::vector<std::string> stage_failure;  // the first failing window's reason, or ""
  // Per stage: when a stage right after faults saw the service return (its earlier windows
  // excused), else nullopt.
  std::vector<std::optional<double>> stage_returned_seconds;
  std::vector<TimelineEntry> timeline;
  // Filled in by the caller: the setting it ran with and what it restored.
  std::vector<Threshold> hypothesis;
  double recovery_within_seconds = 0;
  double window_seconds = 0;
  double step_seconds = 0;
  FaultState before;
  std::string admin;          // the admin API's URL
  std::string restore_error;  // "" when the state before the run was restored
  bool passed() const { return verdict == ExperimentVerdict::held; }
};

ExperimentOutcome judge_experiment(const ExperimentRecord& record);

}  // namespace faultline::loadgen
