#include "loadgen/experiment_driver.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "loadgen/admin_api_client.hpp"
#include "loadgen/steady_state.hpp"

namespace faultline::loadgen {

namespace {

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

struct ExperimentDriver::Impl {
  Impl(const BenchPlan& plan, std::atomic<bool>* end_run)
      : plan(plan), settings(*plan.experiment), end_run(end_run), windows(settings.steady_state) {}

  const BenchPlan& plan;
  const ExperimentSettings& settings;
  std::atomic<bool>* end_run;
  std::string token_hint;  // appended to a refused token's error
  std::optional<AdminApiClient> admin;

  FaultState before;
  std::vector<FaultState> stage_states;  // per planned stage
  bool touched = false;                  // a switch was attempted: restore at the end
  bool restored = false;
  std::string restore_error;

  // Written by the switcher thread (stage 0 by prepare), read after it was joined.
  std::vector<TimelineEntry> timeline;
  std::string switch_error;

  // Sampling, on the sampler thread, then once more by run_finished after it was joined.
  const LiveCounters* live = nullptr;
  Clock::time_point run_start;
  SteadyStateWindows windows;
  metrics::HdrHistogram snapshot;
  SparseCounts previous_latency;
  SparseCounts current_latency;
  std::uint64_t previous_requests = 0;
  std::uint64_t previous_errors = 0;

  std::mutex mutex;
  std::condition_variable_any wake;
  std::jthread sampler;
  std::jthread switcher;

  // Sleeps until `due`; false when asked to stop first.
  bool sleep_until(std::stop_token stop, Clock::time_point due) {
    std::unique_lock lock(mutex);
    wake.wait_until(lock, stop, due, [] { return false; });
    return !stop.stop_requested();
  }

  void sample() {
    live->latency.snapshot_into(snapshot);
    current_latency.clear();
    snapshot.append_nonzero(current_latency);
    StepSample step;
    step.latency = sparse_delta(previous_latency, current_latency);
    std::swap(previous_latency, current_latency);
    const std::uint64_t requests = live->requests.value();
    const std::uint64_t errors = live->errors();
    step.requests = requests >= previous_requests ? requests - previous_requests : 0;
    step.errors = errors >= previous_errors ? errors - previous_errors : 0;
    previous_requests = requests;
    previous_errors = errors;
    windows.add(std::move(step));
  }

  void sample_steps(std::stop_token stop) {
    for (std::int64_t k = 1;; ++k) {
      if (!sleep_until(
              stop, run_start + k * std::chrono::duration_cast<Clock::duration>(kSteadyStateStep)))
        return;
      sample();
    }
  }

  void switch_stages(std::stop_token stop) {
    Clock::duration stage_start{0};
    for (std::size_t i = 0; i < plan.stages.size(); ++i) {
      if (i > 0 && settings.stage_switches[i].any()) {
        if (!sleep_until(stop, run_start + stage_start)) return;
        if (end_run->load()) return;  // the run is ending: leave the rest to restore()
        if (auto error = admin->apply(stage_states[i - 1], stage_states[i]); !error.empty()) {
          switch_error = "stage \"" + plan.stages[i].name + "\": " + error;
          end_run->store(true);
          return;
        }
        timeline.push_back({seconds_between(run_start, Clock::now()), i, stage_states[i]});
      }
      stage_start += std::chrono::duration_cast<Clock::duration>(plan.stages[i].duration);
    }
  }
};

ExperimentDriver::ExperimentDriver(const BenchPlan& plan, std::atomic<bool>* end_run)
    : impl_(std::make_unique<Impl>(plan, end_run)) {}

ExperimentDriver::~ExperimentDriver() {
  try {
    run_finished();
    restore();
  } catch (...) {
    // Nothing more can be done while unwinding; restore() reports its errors itself.
  }
}

std::string ExperimentDriver::prepare() {
  Impl& d = *impl_;
  const ExperimentSettings& s = d.settings;
  std::string token;
  if (!s.token_env.empty()) {
    const char* value = std::getenv(s.token_env.c_str());
    if (value == nullptr || *value == '\0')
      return "[experiment] token_env: the environment variable " + s.token_env +
             " is not set (it holds the proxy's admin token)";
    token = value;
    d.token_hint = "; check the token in $" + s.token_env;
  } else {
    d.token_hint =
        "; the admin API wants a token: name the environment variable holding it "
        "with [experiment] token_env";
  }
  d.admin.emplace(s.admin, std::move(token));

  std::vector<std::string> profiles;
  if (auto error = d.admin->read_state(d.before, profiles); !error.empty())
    return "cannot read the proxy's fault state: " + error;
  for (std::size_t i = 0; i < d.plan.stages.size(); ++i) {
    const auto& wanted = s.stage_switches[i].profile;
    if (wanted && std::find(profiles.begin(), profiles.end(), *wanted) == profiles.end())
      return "stage \"" + d.plan.stages[i].name + "\" switches to profile '" + *wanted +
             "', which " + d.admin->base_url() + " does not have; it has: " + join(profiles);
  }
  // The kill switch set to what it is changes nothing and needs the token: a wrong token
  // fails here, before any load, rather than at the first fault stage.
  if (auto error = d.admin->set_faults_enabled(d.before.enabled); !error.empty()) {
    if (error.find(": 401") != std::string::npos) error += d.token_hint;
    return "the admin API refused the experiment: " + error;
  }

  d.stage_states = stage_fault_states(s.stage_switches, d.before);
  if (d.stage_states.front().injects())
    return "the first stage would run with profile '" + d.stage_states.front().profile +
           "' injecting faults, so the steady state could not be measured before them: give "
           "it profile = \"none\" or faults = \"off\"";
  if (std::none_of(d.stage_states.begin(), d.stage_states.end(),
                   [](const FaultState& state) { return state.injects(); }))
    return "no stage runs with faults: switch a stage to a profile other than \"none\" "
           "(the proxy has: " +
           join(profiles) + ")";

  if (s.stage_switches.front().any()) {
    d.touched = true;
    if (auto error = d.admin->apply(d.before, d.stage_states.front()); !error.empty())
      return "stage \"" + d.plan.stages.front().name + "\": " + error;
    d.timeline.push_back({0.0, 0, d.stage_states.front()});
  }
  // Later stages switch during the run; restore() puts the state back whatever happens.
  d.touched = d.touched || std::any_of(s.stage_switches.begin() + 1, s.stage_switches.end(),
                                       [](const FaultSwitch& change) { return change.any(); });
  return "";
}

void ExperimentDriver::run_started(Clock::time_point run_start, const LiveCounters& live) {
  Impl& d = *impl_;
  d.run_start = run_start;
  d.live = &live;
  // Whatever was recorded before time 0 (nothing, normally) is not part of the first step.
  live.latency.snapshot_into(d.snapshot);
  d.snapshot.append_nonzero(d.previous_latency);
  d.previous_requests = live.requests.value();
  d.previous_errors = live.errors();
  d.sampler = std::jthread([&d](std::stop_token stop) { d.sample_steps(stop); });
  d.switcher = std::jthread([&d](std::stop_token stop) { d.switch_stages(stop); });
}

void ExperimentDriver::run_finished() {
  Impl& d = *impl_;
  for (std::jthread* thread : {&d.sampler, &d.switcher}) {
    if (!thread->joinable()) continue;
    thread->request_stop();
    thread->join();
    if (thread == &d.sampler) d.sample();  // the last, partial step, and the drain after it
  }
  d.live = nullptr;
}

std::string ExperimentDriver::restore() {
  Impl& d = *impl_;
  if (d.restored) return d.restore_error;
  d.restored = true;
  if (!d.touched || !d.admin) return "";
  d.restore_error = d.admin->apply_all(d.before);
  return d.restore_error;
}

std::string ExperimentDriver::restore_summary() const {
  const Impl& d = *impl_;
  const std::string state =
      "profile " + d.before.profile + ", faults " + (d.before.enabled ? "on" : "off");
  const std::string where = d.admin ? d.admin->base_url() : d.settings.admin.text;
  if (!d.restore_error.empty())
    return "could not restore " + where + " to " + state + ": " + d.restore_error;
  return "restored " + where + " to " + state;
}

ExperimentOutcome ExperimentDriver::outcome(const RunResult& result) const {
  const Impl& d = *impl_;
  ExperimentRecord record;
  double start = 0;
  for (std::size_t i = 0; i < result.stages.size() && i < d.stage_states.size(); ++i) {
    record.stages.push_back(
        {result.stages[i].name, start, start + result.stages[i].seconds, d.stage_states[i]});
    start += result.stages[i].seconds;
  }
  for (const TimelineEntry& entry : d.timeline)
    if (entry.stage < record.stages.size()) record.timeline.push_back(entry);
  record.windows = d.windows.windows();
  record.window_seconds = d.windows.window_seconds();
  record.recovery_within_seconds =
      std::chrono::duration<double>(d.settings.recovery_within).count();
  record.switch_error = d.switch_error;

  ExperimentOutcome out = judge_experiment(record);
  out.hypothesis = d.settings.steady_state;
  out.recovery_within_seconds = record.recovery_within_seconds;
  out.window_seconds = d.windows.window_seconds();
  out.step_seconds = d.windows.step_seconds();
  out.before = d.before;
  out.admin = d.admin ? d.admin->base_url() : d.settings.admin.text;
  out.restore_error = d.restore_error;
  return out;
}

}  // namespace faultline::loadgen
