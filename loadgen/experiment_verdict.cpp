#include "loadgen/experiment_verdict.hpp"

#include <cstdio>

namespace faultline::loadgen {

namespace {

// Window starts sit on a grid of steps; stage boundaries are sums of durations. Compare
// with a margin far below a step so that a window starting at a boundary counts in it.
constexpr double kEpsilon = 1e-6;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", seconds);
  return text;
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

// When the switch at the start of stage `stage` took effect (its start when none is
// recorded, which happens only for a run cut short).
double switch_time(const ExperimentRecord& record, std::size_t stage) {
  for (const TimelineEntry& entry : record.timeline)
    if (entry.stage == stage) return entry.at_seconds;
  return record.stages[stage].start_seconds;
}

// The first window starting at or after `from` in which the hypothesis held.
const WindowResult* first_holding_window(const std::vector<WindowResult>& windows, double from) {
  for (const WindowResult& w : windows)
    if (w.start_seconds + kEpsilon >= from && w.held()) return &w;
  return nullptr;
}

// The last window starting at or after `from`, for saying what was still wrong.
const WindowResult* last_window(const std::vector<WindowResult>& windows, double from) {
  const WindowResult* last = nullptr;
  for (const WindowResult& w : windows)
    if (w.start_seconds + kEpsilon >= from) last = &w;
  return last;
}

// A stretch of time whose windows do not count against a stage: the service was still
// returning to its steady state after a fault, within the time it is allowed.
struct Excused {
  std::size_t stage = 0;  // the first stage without faults after them
  double from = 0;
  double until = 0;
};

}  // namespace

std::string describe(const FaultState& state) {
  return state.enabled ? state.profile : state.profile + " (faults off)";
}

FaultState apply_switch(FaultState state, const FaultSwitch& change) {
  if (change.profile) state.profile = *change.profile;
  if (change.faults_enabled) state.enabled = *change.faults_enabled;
  return state;
}

std::vector<FaultState> stage_fault_states(const std::vector<FaultSwitch>& stage_switches,
                                           const FaultState& before) {
  std::vector<FaultState> states;
  FaultState current = before;
  for (const FaultSwitch& change : stage_switches) {
    current = apply_switch(current, change);
    states.push_back(current);
  }
  return states;
}

std::string_view verdict_name(ExperimentVerdict verdict) {
  switch (verdict) {
    case ExperimentVerdict::held:
      return "held";
    case ExperimentVerdict::deviated:
      return "deviated";
    case ExperimentVerdict::did_not_recover:
      return "did not recover";
  }
  return "?";
}

ExperimentOutcome judge_experiment(const ExperimentRecord& record) {
  ExperimentOutcome out;
  out.timeline = record.timeline;
  const std::size_t count = record.stages.size();
  for (const auto& stage : record.stages) out.stage_states.push_back(stage.state);

  // Each end of faults (a stage without faults after one with): when the service returned.
  std::vector<Excused> excused;
  std::optional<double> last_end;
  const WindowResult* last_return = nullptr;
  for (std::size_t i = 1; i < count; ++i) {
    if (!record.stages[i - 1].state.injects() || record.stages[i].state.injects()) continue;
    const double ended = switch_time(record, i);
    const WindowResult* returned = first_holding_window(record.windows, ended);
    if (returned != nullptr &&
        returned->start_seconds - ended <= record.recovery_within_seconds + kEpsilon)
      excused.push_back({i, record.stages[i].start_seconds, returned->start_seconds});
    last_end = ended;
    last_return = returned;
  }

  // Per stage: every window inside it that is not excused must hold.
  out.stage_returned_seconds.resize(count);
  for (const Excused& e : excused) out.stage_returned_seconds[e.stage] = e.until;
  for (const auto& stage : record.stages) {
    std::optional<bool> held;
    std::string failure;
    for (const WindowResult& w : record.windows) {
      const bool inside = w.start_seconds + kEpsilon >= stage.start_seconds &&
                          w.start_seconds + record.window_seconds <= stage.end_seconds + kEpsilon;
      if (!inside) continue;
      bool is_excused = false;
      for (const Excused& e : excused)
        if (w.start_seconds + kEpsilon >= e.from && w.start_seconds + kEpsilon < e.until)
          is_excused = true;
      if (is_excused) {
        if (!held.has_value()) held = true;
        continue;
      }
      if (w.held()) {
        if (!held.has_value()) held = true;
      } else if (held.value_or(true)) {
        held = false;
        failure = "at " + seconds_text(w.start_seconds) + ": " + w.failure;
      }
    }
    out.stage_steady_state.push_back(held);
    out.stage_failure.push_back(failure);
  }

  // The recovery is reported whatever the verdict turns out to be.
  const bool ended_in_faults = count > 0 && record.stages.back().state.injects();
  if (!ended_in_faults && last_end) {
    out.faults_ended_seconds = last_end;
    if (last_return != nullptr)
      out.recovery_seconds = std::max(0.0, last_return->start_seconds - *last_end);
  }

  auto finish = [&](ExperimentVerdict verdict, std::string reason) {
    out.verdict = verdict;
    out.reason = std::move(reason);
    return out;
  };
  if (!record.switch_error.empty())
    return finish(ExperimentVerdict::deviated,
                  "the run was stopped: a fault switch failed: " + record.switch_error);

  std::size_t first_fault = count;
  for (std::size_t i = 0; i < count; ++i) {
    if (record.stages[i].state.injects()) {
      first_fault = i;
      break;
    }
  }
  if (first_fault == 0)
    return finish(ExperimentVerdict::deviated,
                  "no stage ran before the first fault stage, so the steady state was not "
                  "measured without faults");
  for (std::size_t i = 0; i < first_fault; ++i) {
    const std::string name = quoted(record.stages[i].name);
    if (!out.stage_steady_state[i])
      return finish(ExperimentVerdict::deviated,
                    "the steady state was not measured before the faults: stage " + name +
                        " has no full " + seconds_text(record.window_seconds) + " window");
    if (!*out.stage_steady_state[i])
      return finish(ExperimentVerdict::deviated,
                    "the steady state did not hold before the faults: stage " + name + " " +
                        out.stage_failure[i]);
  }
  if (first_fault == count)
    return finish(ExperimentVerdict::deviated,
                  "the run ended before the first fault stage: nothing was tested");

  if (ended_in_faults)
    return finish(ExperimentVerdict::did_not_recover,
                  "the run ended with faults on (stage " + quoted(record.stages.back().name) +
                      ", profile " + record.stages.back().state.profile + ")");

  if (last_return == nullptr) {
    std::string reason = "the steady state had not returned when the run ended, " +
                         seconds_text(record.stages.back().end_seconds - *last_end) +
                         " after the faults ended";
    if (const WindowResult* w = last_window(record.windows, *last_end))
      reason += " (last window: " + w->failure + ")";
    return finish(ExperimentVerdict::did_not_recover, std::move(reason));
  }
  const std::string within = seconds_text(record.recovery_within_seconds);
  if (*out.recovery_seconds > record.recovery_within_seconds + kEpsilon)
    return finish(ExperimentVerdict::deviated,
                  "the steady state returned " + seconds_text(*out.recovery_seconds) +
                      " after the faults ended, later than recovery_within " + within);
  return finish(ExperimentVerdict::held, "the steady state held before the faults and returned " +
                                             seconds_text(*out.recovery_seconds) +
                                             " after they ended (within " + within + ")");
}

}  // namespace faultline::loadgen
