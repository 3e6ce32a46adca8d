// A chaos experiment in the reports: per stage the profile in force and whether the steady
// state held, the timeline of switches, the recovery time and the verdict.
#include <gtest/gtest.h>

#include "loadgen/report.hpp"

namespace faultline::loadgen {
namespace {

RunResult experiment_run() {
  RunResult r;
  r.url = "http://127.0.0.1:8080/";
  r.model = LoadModel::open;
  r.seconds = 9;
  for (const char* name : {"baseline", "spikes", "after"}) {
    StageResult stage;
    stage.name = name;
    stage.load = "100/s";
    stage.seconds = 3;
    stage.tally.requests = 300;
    for (int i = 0; i < 300; ++i) stage.latency.record(1'000);
    r.stages.push_back(stage);
  }
  ExperimentOutcome e;
  e.verdict = ExperimentVerdict::held;
  e.reason = "the steady state held before the faults and returned 0.20s after they ended";
  e.recovery_seconds = 0.2;
  e.faults_ended_seconds = 6.0;
  e.stage_states = {{"none", true}, {"spiky", true}, {"none", true}};
  e.stage_steady_state = {true, false, std::nullopt};
  e.stage_failure = {"", "at 3.10s: p99 812.00ms >= 50.00ms", ""};
  e.stage_returned_seconds = {std::nullopt, std::nullopt, std::nullopt};
  e.timeline = {{3.0, 1, {"spiky", true}}, {6.0, 2, {"none", true}}};
  Threshold p99;
  parse_threshold("p99<50ms", p99);
  e.hypothesis = {p99};
  e.recovery_within_seconds = 5;
  e.window_seconds = 1;
  e.step_seconds = 0.1;
  e.admin = "http://127.0.0.1:9901";
  r.experiment = e;
  return r;
}

TEST(LoadgenExperimentReport, JsonHasVerdictRecoveryTimelineAndPerStageFields) {
  Verdict verdict;
  verdict.experiment_held = true;
  const std::string json = json_report(experiment_run(), verdict);
  for (const char* piece :
       {"\"experiment\": {\"verdict\": \"held\"", "\"recovery_seconds\": 0.2",
        "\"timeline\": [{\"at_seconds\": 3.0, \"stage\": \"spikes\", \"profile\": \"spiky\"",
        "\"name\": \"spikes\"",
        "\"profile\": \"spiky\", \"faults_enabled\": true, "
        "\"steady_state\": false",
        "\"steady_state\": null", "\"steady_state\": [\"p99<50ms\"]", "\"restored\": true",
        "\"passed\": true"})
    EXPECT_NE(json.find(piece), std::string::npos) << piece << "\n" << json;
}

TEST(LoadgenExperimentReport, VerdictDecidesPassed) {
  RunResult r = experiment_run();
  r.experiment->verdict = ExperimentVerdict::did_not_recover;
  r.experiment->recovery_seconds.reset();
  Verdict verdict;
  verdict.experiment_held = r.experiment->passed();
  EXPECT_FALSE(verdict.passed());
  const std::string json = json_report(r, verdict);
  EXPECT_NE(json.find("\"verdict\": \"did not recover\", "), std::string::npos) << json;
  EXPECT_NE(json.find("\"recovery_seconds\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"passed\": false"), std::string::npos) << json;
}

TEST(LoadgenExperimentReport, TextShowsProfilesSteadyStateRecoveryAndVerdict) {
  const std::string text = text_report(experiment_run(), Verdict{});
  for (const char* piece :
       {"Experiment: steady state p99<50ms, on a 1s window moved every 100ms", "spikes     spiky",
        "deviated (at 3.10s: p99 812.00ms >= 50.00ms)", "held\n", "not measured",
        "Switches (when they took effect): 3.00s spiky, 6.00s none",
        "Recovery: 0.20s after the faults ended at 6.00s (allowed: 5.00s)",
        "Restored http://127.0.0.1:9901 to profile none, faults on", "Verdict: held: "})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
}

}  // namespace
}  // namespace faultline::loadgen
