// Judging a chaos experiment: which stages ran with faults, when the steady state held,
// the recovery time and the verdict (held / deviated / did not recover).
#include "loadgen/experiment_verdict.hpp"

#include <gtest/gtest.h>

namespace faultline::loadgen {
namespace {

const FaultState kNone{"none", true};
const FaultState kSlow{"slow", true};

// Windows of 1 s every 0.1 s over [0, seconds), failing when they start in [bad_from, bad_until).
std::vector<WindowResult> windows(double seconds, double bad_from, double bad_until) {
  std::vector<WindowResult> out;
  for (int k = 0; k * 0.1 + 1.0 <= seconds + 1e-9; ++k) {
    WindowResult w;
    w.start_seconds = k * 0.1;
    w.requests = w.answered = 100;
    if (w.start_seconds + 1e-9 >= bad_from && w.start_seconds + 1e-9 < bad_until)
      w.failure = "p99 101.00ms >= 50.00ms";
    out.push_back(w);
  }
  return out;
}

// baseline [0,3) none, fault [3,6) slow, after [6,10) none; the switch ending the fault
// took effect at 6.002 s.
ExperimentRecord three_stages(double bad_from, double bad_until) {
  ExperimentRecord r;
  r.stages = {{"baseline", 0, 3, kNone}, {"fault", 3, 6, kSlow}, {"after", 6, 10, kNone}};
  r.timeline = {{0.0, 0, kNone}, {3.003, 1, kSlow}, {6.002, 2, kNone}};
  r.windows = windows(10, bad_from, bad_until);
  r.window_seconds = 1;
  r.recovery_within_seconds = 2;
  return r;
}

TEST(LoadgenExperimentVerdict, StagesRunInTheStateTheirSwitchesLeave) {
  std::vector<FaultSwitch> switches(4);
  switches[1].profile = "spiky";
  switches[2].faults_enabled = false;
  switches[3].faults_enabled = true;
  const std::vector<FaultState> states = stage_fault_states(switches, {"slow", true});
  ASSERT_EQ(states.size(), 4u);
  EXPECT_EQ(states[0], (FaultState{"slow", true}));  // no switch: as found
  EXPECT_EQ(states[1], (FaultState{"spiky", true}));
  EXPECT_EQ(states[2], (FaultState{"spiky", false}));
  EXPECT_FALSE(states[2].injects());
  EXPECT_TRUE(states[3].injects());
  EXPECT_FALSE(kNone.injects());
  EXPECT_EQ(describe(states[2]), "spiky (faults off)");
}

TEST(LoadgenExperimentVerdict, HeldWhenTheSteadyStateReturnsWithinTheAllowance) {
  // Windows overlapping the fault fail (from 2.1 s, the first to reach into it, to 6.2 s:
  // the delayed answers still arrive until ~6.1 s).
  const ExperimentOutcome out = judge_experiment(three_stages(2.05, 6.15));
  EXPECT_EQ(out.verdict, ExperimentVerdict::held) << out.reason;
  ASSERT_TRUE(out.recovery_seconds);
  EXPECT_NEAR(*out.recovery_seconds, 6.2 - 6.002, 1e-9);  // the first window from 6.002 s held
  EXPECT_NEAR(*out.faults_ended_seconds, 6.002, 1e-9);
  ASSERT_EQ(out.stage_steady_state.size(), 3u);
  EXPECT_EQ(out.stage_steady_state[0], true);
  EXPECT_EQ(out.stage_steady_state[1], false);
  EXPECT_EQ(out.stage_failure[1], "at 3.00s: p99 101.00ms >= 50.00ms");
  EXPECT_EQ(out.stage_steady_state[2], true);  // its first windows are the allowed recovery
  EXPECT_NEAR(*out.stage_returned_seconds[2], 6.2, 1e-9);
  EXPECT_EQ(verdict_name(out.verdict), "held");
  EXPECT_TRUE(out.passed());
}

TEST(LoadgenExperimentVerdict, DeviatedWhenTheBaselineFails) {
  ExperimentRecord r = three_stages(2.05, 6.15);
  r.windows[5].failure = "p99 60.00ms >= 50.00ms";  // at 0.5 s
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::deviated);
  EXPECT_EQ(out.reason,
            "the steady state did not hold before the faults: stage \"baseline\" at 0.50s: "
            "p99 60.00ms >= 50.00ms");
  EXPECT_EQ(out.stage_steady_state[0], false);
  EXPECT_FALSE(out.passed());
  ASSERT_TRUE(out.recovery_seconds);  // measured all the same
  EXPECT_NEAR(*out.recovery_seconds, 6.2 - 6.002, 1e-9);
}

TEST(LoadgenExperimentVerdict, DeviatedWhenTheReturnComesLaterThanAllowed) {
  const ExperimentOutcome out = judge_experiment(three_stages(2.05, 8.55));
  EXPECT_EQ(out.verdict, ExperimentVerdict::deviated) << out.reason;
  ASSERT_TRUE(out.recovery_seconds);
  EXPECT_NEAR(*out.recovery_seconds, 8.6 - 6.002, 1e-9);
  EXPECT_NE(out.reason.find("later than recovery_within 2.00s"), std::string::npos) << out.reason;
  EXPECT_EQ(out.stage_steady_state[2], false);  // not excused: it took too long
  EXPECT_FALSE(out.stage_returned_seconds[2]);
}

TEST(LoadgenExperimentVerdict, DidNotRecoverWhenNoWindowHeldAfterTheFaults) {
  const ExperimentOutcome out = judge_experiment(three_stages(2.05, 100));
  EXPECT_EQ(out.verdict, ExperimentVerdict::did_not_recover) << out.reason;
  EXPECT_FALSE(out.recovery_seconds);
  EXPECT_NE(out.reason.find("had not returned when the run ended"), std::string::npos)
      << out.reason;
  EXPECT_NE(out.reason.find("last window: p99 101.00ms"), std::string::npos) << out.reason;
  EXPECT_EQ(verdict_name(out.verdict), "did not recover");
}

TEST(LoadgenExperimentVerdict, DidNotRecoverWhenTheRunEndsWithFaultsOn) {
  ExperimentRecord r = three_stages(2.05, 100);
  r.stages[2].state = kSlow;  // the proxy's own profile stayed on
  r.timeline.pop_back();
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::did_not_recover);
  EXPECT_EQ(out.reason, "the run ended with faults on (stage \"after\", profile slow)");
}

TEST(LoadgenExperimentVerdict, ARunCutShortBeforeTheFaultsTestedNothing) {
  ExperimentRecord r = three_stages(100, 100);
  r.stages.resize(1);
  r.stages[0].end_seconds = 2.5;
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::deviated);
  EXPECT_EQ(out.reason, "the run ended before the first fault stage: nothing was tested");
}

TEST(LoadgenExperimentVerdict, AFaultFromTheStartLeavesNoBaseline) {
  ExperimentRecord r = three_stages(0, 6.15);
  r.stages[0].state = kSlow;
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::deviated);
  EXPECT_NE(out.reason.find("no stage ran before the first fault stage"), std::string::npos);
}

TEST(LoadgenExperimentVerdict, AFailedSwitchIsNeverHeld) {
  ExperimentRecord r = three_stages(2.05, 6.15);
  r.switch_error = "stage \"after\": PUT http://127.0.0.1:9901/api/v1/profiles/active: refused";
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::deviated);
  EXPECT_NE(out.reason.find("a fault switch failed"), std::string::npos);
}

TEST(LoadgenExperimentVerdict, StageShorterThanAWindowIsNotMeasured) {
  ExperimentRecord r = three_stages(2.05, 6.15);
  r.stages.push_back({"short", 10, 10.5, kNone});
  const ExperimentOutcome out = judge_experiment(r);
  EXPECT_EQ(out.verdict, ExperimentVerdict::held);
  EXPECT_FALSE(out.stage_steady_state[3]);
}

}  // namespace
}  // namespace faultline::loadgen
