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
#include "loadgen/tls_session.hpp"
#include "metrics/hdr_encoding.hpp"
#include "net/tls_context.hpp"

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
    r.max_us = latency.max();
    r.histogram = metrics::hdr_encode_base64(latency);
    start = end;
    tally = Tally{};
    latency.reset();
    return r;
  }
};

// --start-at: sleeps until shortly before the wall-clock time `start_at` and returns the
// steady-clock moment it corresponds to (time 0 of the run), or an error when that time
// has passed or the run was interrupted while waiting.
std::string wait_for_start(double start_at, const RunHooks& hooks, Clock::time_point& run_start) {
  const double wait =
      start_at -
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const Clock::time_point now = Clock::now();
  if (wait < seconds(kStartDelay)) {
    char text[128];
    std::snprintf(text, sizeof text, "the start time (--start-at) passed %.3f s ago", -wait);
    return text;
  }
  run_start =
      now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
  const Clock::time_point wake = run_start - kStartDelay;
  while (Clock::now() < wake) {
    std::this_thread::sleep_until(std::min(wake, Clock::now() + kInterruptCheckPeriod));
    if (hooks.interrupted && hooks.interrupted->load())
      return "interrupted while waiting for the start time";
  }
  return "";
}
// Calls hooks.run_stopped on the way out of run_bench, before the live counters go.
struct RunStoppedCall {
  const RunHooks& hooks;
  ~RunStoppedCall() {
    if (hooks.run_stopped) hooks.run_stopped();
  }
};

}  // namespace

std::string run_bench(const BenchPlan& plan, const RunHooks& hooks, RunResult& out) {
  Endpoint endpoint;
  if (auto error = resolve_endpoint(plan.target.host, plan.target.port, endpoint); !error.empty())
    return error;

  // https: one client context for every worker, so that a new connection of any worker
  // resumes the newest session.
  std::shared_ptr<net::ClientTls> tls;
  FirstTlsFailure first_tls_failure;
  if (plan.target.tls) {
    std::string error;
    net::ClientTlsSettings settings;
    settings.verify = !plan.insecure;
    settings.ca_file = plan.cacert;
    tls = net::ClientTls::make(settings, error);
    // net/ names the file by the proxy's key; here it is the bench's.
    if (!tls) return error.starts_with("tls_ca ") ? "cacert " + error.substr(7) : error;
  }

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
    setup.tls = tls.get();
    setup.tls_failure = &first_tls_failure;
    setup.connections = share(max_connections, threads, w);
    const Shard shard = plan.shard.value_or(Shard{});
    setup.first_request = shard.index + std::uint64_t{shard.count} * w;
    setup.request_stride = std::uint64_t{shard.count} * threads;
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

  Clock::time_point run_start = Clock::now() + kStartDelay;
  result.start_unix_seconds = std::chrono::duration<double>(
                                  std::chrono::system_clock::now().time_since_epoch() + kStartDelay)
                                  .count();
  if (plan.start_at) {
    // The workers have not started: returning destroys them idle.
    if (auto error = wait_for_start(*plan.start_at, hooks, run_start); !error.empty()) return error;
    result.start_unix_seconds = *plan.start_at;
  }
  result.shard = plan.shard;
  // The target's resources, sampled on the coordinator at every boundary (monitor.hpp).
  auto sample_monitor = [&] {
    if (hooks.monitor == nullptr) return;
    std::string error;
    MonitorSample sample = hooks.monitor->sample(error);
    sample.at_seconds = seconds(Clock::now() - run_start);
    if (!error.empty()) result.monitor->last_error = error;
    result.monitor->samples.push_back(sample);
  };
  for (auto& worker : workers) worker->start(run_start);
  const RunStoppedCall run_stopped{hooks};
  if (hooks.run_started) hooks.run_started(run_start, live);
  if (plan.model == LoadModel::closed) set_users(plan.stages.front().users);
  if (metrics_endpoint) metrics_endpoint->set_stage(0);
  // After the start: a slow scrape must not hold back the load (the workers run on).
  if (hooks.monitor) {
    result.monitor.emplace();
    result.monitor->source = hooks.monitor->name();
    sample_monitor();
  }

  std::size_t stage_index = 0;
  nanoseconds stage_end = plan.stages.front().duration;
  nanoseconds stage_start{0};
  nanoseconds next_tick = plan.interval;
  IntervalAccumulator interval;
  TimelineRecorder timeline(timeline_step(plan.total_duration()));
  metrics::HdrHistogram progress_scratch;
  Clock::time_point next_progress = run_start + kProgressPeriod;
  std::uint64_t progress_requests = 0;
  bool tls_failure_told = false;
  // The first TLS failure is told as soon as the coordinator sees it, not only at the end.
  auto tell_tls_failure = [&] {
    if (tls_failure_told || !first_tls_failure.seen()) return;
    tls_failure_told = true;
    const TlsFailureText failure = first_tls_failure.get();
    result.first_tls_error = TlsErrorSample{failure.reason, failure.message};
    if (hooks.tls_failure) hooks.tls_failure(failure.message);
  };
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
      tell_tls_failure();
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
    // The HTML report's timeline steps are boundaries too; the target is sampled at the
    // interval and stage boundaries only.
    if (boundary == stage_end || boundary == next_tick) sample_monitor();
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

  sample_monitor();  // where sending stops: the end of the last interval and stage
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

  tell_tls_failure();
  result.seconds = seconds(stop_at);
  for (const StageResult& stage : result.stages) {
    result.total.merge(stage.tally);
    result.latency.merge(stage.latency);
  }
  out = std::move(result);
  return "";
}

}  // namespace faultline::loadgen
