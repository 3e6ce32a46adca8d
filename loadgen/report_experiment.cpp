#include "loadgen/report_experiment.hpp"

#include <cstdio>

#include <boost/json/array.hpp>

namespace faultline::loadgen::report {

namespace {

namespace json = boost::json;

std::string hypothesis_text(const std::vector<Threshold>& hypothesis) {
  std::string text;
  for (const Threshold& t : hypothesis) text += (text.empty() ? "" : ", ") + t.text;
  return text;
}

std::string steady_state_text(const ExperimentOutcome& outcome, std::size_t index) {
  const std::optional<bool>& held = outcome.stage_steady_state[index];
  if (!held) return "not measured (shorter than a window)";
  if (*held && outcome.stage_returned_seconds[index]) {
    char text[64];
    std::snprintf(text, sizeof text, "held (from %.2fs, once back after the faults)",
                  *outcome.stage_returned_seconds[index]);
    return text;
  }
  if (*held) return "held";
  return "deviated (" + outcome.stage_failure[index] + ")";
}

}  // namespace

std::string experiment_text(const RunResult& r) {
  const ExperimentOutcome& e = *r.experiment;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "  Experiment: steady state %s, on a %.0fs window moved every %.0fms\n",
                hypothesis_text(e.hypothesis).c_str(), e.window_seconds, e.step_seconds * 1e3);
  out += line;
  std::snprintf(line, sizeof line, "  %-10s %-22s %7s %9s %7s %9s %9s  %s\n", "stage", "profile",
                "seconds", "requests", "errors", "p50", "p99", "steady state");
  out += line;
  for (std::size_t i = 0; i < r.stages.size() && i < e.stage_states.size(); ++i) {
    const StageResult& stage = r.stages[i];
    const LatencySummary latency = summarize_latency(stage.latency);
    std::snprintf(line, sizeof line, "  %-10s %-22s %7.2f %9llu %7llu %9s %9s  %s\n",
                  stage.name.c_str(), describe(e.stage_states[i]).c_str(), stage.seconds,
                  static_cast<unsigned long long>(stage.tally.requests),
                  static_cast<unsigned long long>(stage.tally.errors()),
                  format_seconds(latency.p50).c_str(), format_seconds(latency.p99).c_str(),
                  steady_state_text(e, i).c_str());
    out += line;
  }
  std::string timeline;
  for (const TimelineEntry& entry : e.timeline) {
    std::snprintf(line, sizeof line, "%s%.2fs %s", timeline.empty() ? "" : ", ", entry.at_seconds,
                  describe(entry.state).c_str());
    timeline += line;
  }
  out += "  Switches (when they took effect): " + (timeline.empty() ? "none" : timeline) + "\n";
  if (e.recovery_seconds && e.faults_ended_seconds) {
    std::snprintf(line, sizeof line,
                  "  Recovery: %.2fs after the faults ended at %.2fs (allowed: %.2fs)\n",
                  *e.recovery_seconds, *e.faults_ended_seconds, e.recovery_within_seconds);
    out += line;
  } else {
    out += "  Recovery: none measured\n";
  }
  out += "  " + std::string(e.restore_error.empty() ? "Restored" : "Could NOT restore") + " " +
         e.admin + " to profile " + e.before.profile + ", faults " +
         (e.before.enabled ? "on" : "off") +
         (e.restore_error.empty() ? "" : ": " + e.restore_error) + "\n";
  out += "Verdict: " + std::string(verdict_name(e.verdict)) + ": " + e.reason + "\n";
  return out;
}

json::object experiment_json(const ExperimentOutcome& e, const std::vector<StageResult>& stages) {
  json::array timeline;
  for (const TimelineEntry& entry : e.timeline) {
    timeline.push_back(json::object{
        {"at_seconds", entry.at_seconds},
        {"stage", entry.stage < stages.size() ? stages[entry.stage].name : std::string()},
        {"profile", entry.state.profile},
        {"faults_enabled", entry.state.enabled}});
  }
  json::array hypothesis;
  for (const Threshold& t : e.hypothesis) hypothesis.push_back(json::string(t.text));
  json::object out;
  out["verdict"] = verdict_name(e.verdict);
  out["reason"] = e.reason;
  out["recovery_seconds"] = e.recovery_seconds ? json::value(*e.recovery_seconds) : nullptr;
  out["faults_ended_seconds"] =
      e.faults_ended_seconds ? json::value(*e.faults_ended_seconds) : nullptr;
  out["recovery_within_seconds"] = e.recovery_within_seconds;
  out["steady_state"] = std::move(hypothesis);
  out["window_seconds"] = e.window_seconds;
  out["step_seconds"] = e.step_seconds;
  out["admin"] = e.admin;
  out["before"] = json::object{{"profile", e.before.profile}, {"faults_enabled", e.before.enabled}};
  out["restored"] = e.restore_error.empty();
  if (!e.restore_error.empty()) out["restore_error"] = e.restore_error;
  out["timeline"] = std::move(timeline);
  return out;
}

void add_experiment_stage_fields(const ExperimentOutcome& e, std::size_t index,
                                 json::object& stage) {
  if (index >= e.stage_states.size()) return;
  stage["profile"] = e.stage_states[index].profile;
  stage["faults_enabled"] = e.stage_states[index].enabled;
  const std::optional<bool>& held = e.stage_steady_state[index];
  stage["steady_state"] = held ? json::value(*held) : nullptr;
}

}  // namespace faultline::loadgen::report
