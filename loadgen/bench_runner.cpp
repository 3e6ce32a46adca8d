#include "loadgen/bench_runner.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "loadgen/bench_metrics.hpp"
#include "loadgen/load_worker.hpp"
#include "loadgen/rate_schedule.hpp"
#include "loadgen/report.hpp"
#include "loadgen/request_mix.hpp"
#include "loadgen/timeline.hpp"

namespace faultline::loadgen {

namespace {

using std::chrono::nanoseconds;

constexpr auto kProgressPeriod = std::chrono::seconds(1);
// Workers start this long after they are created, so that all begin at the same time 0.
constexpr auto kStartDelay = std::chrono::milliseconds(5);
constexpr auto kInterruptCheckPeriod = std::chrono::milliseconds(50);

unsigned share(unsigned total, std::size_t workers, std::size_t index) {
  return static_cast<unsigned>(total / workers + (index < total % workers ? 1 : 0));
}

std::string rate_text(double rate) {
  char text[32];
  if (rate == std::floor(rate))
    std::snprintf(text, sizeof text, "%.0f/s", rate);
  else
    std::snprintf(text, sizeof text, "%.2f/s", rate);
  return text;
}

std::string load_text(const Stage& stage, LoadModel model) {
  if (model == LoadModel::closed) return std::to_string(stage.users) + " users";
  if (stage.from_rate == stage.rate) return rate_text(stage.rate);
  return rate_text(stage.from_rate) + " -> " + rate_text(stage.rate);
}

double seconds(nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// The numbers of the interval being filled.
struct IntervalAccumulator {
  nanoseconds start{0};
  Tally tally;
  metrics::HdrHistogram latency;

  IntervalResult close(nanoseconds end) {
    IntervalResult r;
    r.start_seconds = seconds(start);
    r.seconds = seconds(end - start);
    r.requests = tally.requests;
    r.errors = tally.errors();
    r.unsent = tally.errors_of(ErrorKind::unsent);
    r.p50 = static_cast<double>(latency.quantile(0.5)) / 1e6;
    r.p99 = static_cast<double>(latency.quantile(0.99)) / 1e6;
    start = end;
    tally = Tally{};
    latency.reset();
    return r;
  }
};

}  // namespace

std::string run_bench(const BenchPlan& plan, const RunHooks& hooks, RunResult& out) {
  Endpoint endpoint;
  if (auto error = resolve_endpoint(plan.target.host, plan.target.port, endpoint); !error.empty())
    return error;

  const RequestMix mix(plan.target, plan.requests);
  std::optional<RateSchedule> schedule;
  if (plan.model == LoadModel::open) schedule.emplace(plan.stages);
  const unsigned max_connections = plan.max_connections();
  const std::size_t threads = std::max(1u, std::min(plan.threads, max_connections));
  LiveCounters live(threads);

  std::unique_ptr<BenchMetricsEndpoint> metrics_endpoint;
  if (!plan.metrics_listen.empty()) {
    std::string error;
    metrics_endpoint = start_metrics_endpoint(plan, live, error);
    if (!metrics_endpoint) return error;
    if (hooks.metrics_listening) hooks.metrics_listening(metrics_endpoint->address());
  }

  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (std::size_t w = 0; w < threads; ++w) {
    WorkerSetup setup;
    setup.index = w;
    setup.workers = threads;
    setup.plan = &plan;
    setup.mix = &mix;
    setup.schedule = schedule ? &*schedule : nullptr;
    setup.live = &live;
    setup.endpoint = endpoint;
    setup.connections = share(max_connections, threads, w);
    workers.push_back(std::make_unique<LoadWorker>(setup));
  }
  auto set_users = [&](unsigned users) {
    for (std::size_t w = 0; w < threads; ++w) workers[w]->set_users(share(users, threads, w));
  };

  RunResult result;
  result.url = plan.target.text;
  result.model = plan.model;
  result.connections = max_connections;
  result.threads = static_cast<unsigned>(threads);
  for (const Stage& stage : plan.stages) {
    StageResult s;
    s.name = stage.name;
    s.load = load_text(stage, plan.model);
    result.stages.push_back(std::move(s));
  }
  if (plan.stress) result.stress.emplace();

  const Clock::time_point run_start = Clock::now() + kStartDelay;
  for (auto& worker : workers) worker->start(run_start);
  if (plan.model == LoadModel::closed) set_users(plan.stages.front().users);
  if (metrics_endpoint) metrics_endpoint->set_stage(0);

  std::size_t stage_index = 0;
  nanoseconds stage_end = plan.stages.front().duration;
  nanoseconds stage_start{0};
  nanoseconds next_tick = plan.interval;
  IntervalAccumulator interval;
  TimelineRecorder timeline(timeline_step(plan.total_duration()));
  metrics::HdrHistogram progress_scratch;
  Clock::time_point next_progress = run_start + kProgressPeriod;
  std::uint64_t progress_requests = 0;
  const double total_seconds = seconds(plan.total_duration());

  auto collect = [&](std::size_t into_stage) {
    for (auto& worker : workers) {
      PeriodStats period = worker->harvest();
      result.stages[into_stage].tally.merge(period.tally);
      result.stages[into_stage].latency.merge(period.latency);
      interval.tally.merge(period.tally);
      interval.latency.merge(period.latency);
      timeline.add(period.tally, period.latency);
    }
  };

  nanoseconds stop_at{0};
  for (;;) {
    const nanoseconds boundary = std::min({stage_end, next_tick, timeline.next_boundary()});
    const Clock::time_point boundary_time =
        run_start + std::chrono::duration_cast<Clock::duration>(boundary);
    bool interrupted = false;
    while (Clock::now() < boundary_time) {
      Clock::time_point wake =
          hooks.progress ? std::min(boundary_time, next_progress) : boundary_time;
      if (hooks.interrupted) wake = std::min(wake, Clock::now() + kInterruptCheckPeriod);
      std::this_thread::sleep_until(wake);
      if (hooks.interrupted && hooks.interrupted->load()) {
        interrupted = true;
        break;
      }
      if (hooks.progress && Clock::now() >= next_progress) {
        const std::uint64_t requests = live.requests.value();
        live.latency.snapshot_into(progress_scratch);
        hooks.progress(progress_line(seconds(Clock::now() - run_start), total_seconds,
                                     static_cast<double>(requests - progress_requests) /
                                         std::chrono::duration<double>(kProgressPeriod).count(),
                                     requests, live.errors(),
                                     static_cast<double>(progress_scratch.quantile(0.99)) / 1e6));
        progress_requests = requests;
        next_progress += kProgressPeriod;
      }
    }
    if (interrupted) {
      stop_at =
          std::min(boundary, std::chrono::duration_cast<nanoseconds>(Clock::now() - run_start));
      break;
    }
    const bool last_stage = stage_index + 1 == plan.stages.size();
    const bool run_ends = boundary == stage_end && last_stage;
    if (run_ends) {
      stop_at = boundary;
      break;  // the final collection happens after the workers drained
    }
    collect(stage_index);
    // A stress run may end here; then the interval stays open for what finishes after the
    // stop, and is closed with it below.
    if (boundary == stage_end) {
      StageResult& finished = result.stages[stage_index];
      finished.seconds = seconds(stage_end - stage_start);
      if (plan.stress && judge_stress_step(finished, plan.stages[stage_index].rate, *plan.stress,
                                           *result.stress)) {
        stop_at = boundary;
        break;
      }
    }
    if (boundary == timeline.next_boundary()) timeline.close(boundary);
    if (boundary == next_tick) {
      result.intervals.push_back(interval.close(next_tick));
      next_tick += plan.interval;
    }
    if (boundary != stage_end) continue;
    ++stage_index;
    stage_start = stage_end;
    stage_end += plan.stages[stage_index].duration;
    if (plan.model == LoadModel::closed) set_users(plan.stages[stage_index].users);
    if (metrics_endpoint) metrics_endpoint->set_stage(stage_index);
  }

  for (auto& worker : workers) worker->stop(stop_at);
  for (auto& worker : workers) worker->join();
  // A stress run that broke has already judged its last stage; what finishes after the
  // stop still belongs to it (those requests were sent during it).
  collect(stage_index);
  StageResult& last = result.stages[stage_index];
  last.seconds = seconds(stop_at - stage_start);
  if (plan.stress && !result.stress->broke_at) {
    // The last step is judged with everything it sent, including what finished late.
    judge_stress_step(last, plan.stages[stage_index].rate, *plan.stress, *result.stress);
  }
  if (interval.tally.requests > 0 || stop_at > interval.start)
    result.intervals.push_back(interval.close(stop_at));
  result.stages.resize(stage_index + 1);  // a stress run that broke skips the rest
  result.timeline = timeline.finish(stop_at);

  result.seconds = seconds(stop_at);
  for (const StageResult& stage : result.stages) {
    result.total.merge(stage.tally);
    result.latency.merge(stage.latency);
  }
  out = std::move(result);
  return "";
}

}  // namespace faultline::loadgen
