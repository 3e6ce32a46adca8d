#include "app/bench_command.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/file.hpp"
#include "loadgen/baseline.hpp"
#include "loadgen/bench_flags.hpp"
#include "loadgen/bench_runner.hpp"
#include "loadgen/experiment_driver.hpp"
#include "loadgen/hdr_log.hpp"
#include "loadgen/report.hpp"

namespace faultline::app {

namespace {

// Ctrl-C ends the run early and still prints the report (as wrk does).
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
  interrupted.store(true);
}

// Thousands of connections need as many descriptors: raise the soft limit to the hard one.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

bool write_text_file(const std::string& path, const std::string& text) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (file == stdout) return ok && std::fflush(stdout) == 0;
  return std::fclose(file) == 0 && ok;
}

}  // namespace

BenchCommand add_bench_command(CLI::App& cli) {
  BenchCommand command;
  command.flags = std::make_shared<loadgen::BenchFlags>();
  loadgen::BenchFlags& f = *command.flags;
  auto* bench = cli.add_subcommand("bench", "Load generator: load, stress, spike and soak tests");
  command.subcommand = bench;
  // Load-shaping flags are remembered by name: with -s they belong in the scenario file.
  auto shaping = [&f](CLI::Option* option) {
    option->each(
        [&f, name = option->get_name()](const std::string&) { f.set_flags.push_back(name); });
    return option;
  };
  bench->add_option("url", f.url, "Target URL, e.g. http://127.0.0.1:8080/api or https://...");
  bench->add_option("-s,--scenario", f.scenario,
                    "Scenario file (TOML): stages, request mix, thresholds");
  shaping(bench->add_option("--rate", f.rate, "Open model: requests/s at a constant pace"));
  shaping(bench->add_option("-c,--connections", f.connections,
                            "Closed model: connections sending back to back (default 10); "
                            "open model: cap on requests in flight (default 64)"));
  shaping(
      bench->add_option("-d,--duration", f.duration, "Length of the run")->capture_default_str())
      ->each([&f](const std::string&) { f.duration_set = true; });
  bench->add_option("-t,--threads", f.threads, "Worker threads (default: one per core)");
  shaping(bench->add_option("-X,--method", f.method, "Request method")->capture_default_str());
  shaping(bench->add_option("-H,--header", f.headers, "Request header 'Name: value' (repeatable)")
              ->allow_extra_args(false));
  shaping(bench->add_option("--body", f.body, "Request body, or @file"));
  bench
      ->add_option(
          "--threshold", f.thresholds,
          "Pass/fail: p50|p95|p99|p999|max|mean<DURATION or error_rate<FRACTION (repeatable)")
      ->allow_extra_args(false);
  bench->add_option("--json", f.json_path, "Write the JSON report to FILE ('-' = stdout)");
  bench->add_option("--html", f.html_path,
                    "Write the HTML report to FILE: charts, stages, gates; opens from disk");
  bench->add_option("--baseline", f.baseline, "A previous --json report to compare with");
  bench->add_option("--max-regression", f.max_regression, "Allowed regression against --baseline")
      ->capture_default_str();
  shaping(bench->add_option("--stress", f.stress, "Stress: rising rates, e.g. 50,100,200,400"));
  shaping(bench->add_option("--step-duration", f.step_duration, "Stress: length of each step")
              ->capture_default_str());
  shaping(
      bench->add_option("--break-p95", f.break_p95, "Stress: a step breaks when P95 exceeds this")
          ->capture_default_str());
  shaping(
      bench->add_option("--break-error-rate", f.break_error_rate,
                        "Stress: a step breaks when the error rate exceeds this (default 0.1)"));
  bench->add_option("--metrics-listen", f.metrics_listen,
                    "Serve the generator's own Prometheus metrics on ADDR while running");
  bench->add_option("--hdr-log", f.hdr_log,
                    "Write each interval's latency histogram to FILE in HdrHistogram's log format");
  bench->add_option("--shard", f.shard,
                    "Take share i of N (0-based) of the run's load, for a run spread over N "
                    "generators (see bench merge)");
  bench->add_option("--monitor", f.monitor,
                    "Sample the target's CPU, memory and open fds from its Prometheus "
                    "process_* metrics at URL each interval (e.g. faultline's admin /metrics)");
  bench->add_option("--monitor-pid", f.monitor_pid,
                    "Sample the target's CPU, memory and open fds from /proc/PID each interval");
  bench->add_option("--start-at", f.start_at,
                    "Begin at this wall-clock time (Unix seconds or RFC 3339, e.g. "
                    "2026-01-01T12:00:00Z), so that shards line up");
  bench->add_option("--cacert", f.cacert,
                    "https: verify the server against this CA bundle (PEM) instead of the "
                    "system's store");
  bench->add_flag("--insecure", f.insecure,
                  "https: do not verify the server's certificate (says so on stderr)");
  shaping(bench->add_option("--timeout", f.timeout, "Per-request timeout, connect included")
              ->capture_default_str());
  shaping(
      bench->add_option("--interval", f.interval, "Soak report interval")->capture_default_str());
  command.merge = add_bench_merge_command(*bench);
  return command;
}

int run_bench_command(const BenchCommand& command) {
  if (*command.merge.subcommand) return run_bench_merge_command(command.merge);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  loadgen::FlagsResult parsed = loadgen::plan_from_flags(*command.flags, cores);
  if (!parsed.plan) {
    for (const std::string& error : parsed.errors)
      std::fprintf(stderr, "faultline bench: %s\n", error.c_str());
    std::fprintf(stderr, "Run 'faultline bench --help' for the options.\n");
    return 2;
  }
  const loadgen::BenchPlan& plan = *parsed.plan;

  loadgen::Verdict verdict;
  std::optional<loadgen::BaselineNumbers> baseline;
  if (plan.baseline) {
    loadgen::BaselineNumbers numbers;
    const auto text = read_file(plan.baseline->path);
    if (!text) {
      std::fprintf(stderr, "faultline bench: --baseline %s: cannot read the file\n",
                   plan.baseline->path.c_str());
      return 2;
    }
    if (auto error = loadgen::parse_baseline(*text, numbers); !error.empty()) {
      std::fprintf(stderr, "faultline bench: --baseline %s: %s\n", plan.baseline->path.c_str(),
                   error.c_str());
      return 2;
    }
    baseline = numbers;
  }

  raise_open_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const bool terminal = isatty(STDERR_FILENO) == 1;
  loadgen::RunHooks hooks;
  if (terminal) {
    hooks.progress = [](const std::string& line) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
    };
  }
  hooks.interrupted = &interrupted;
  if (plan.target.tls && plan.insecure) {
    std::fprintf(stderr, "faultline bench: --insecure: the server's certificate is not verified\n");
  }
  hooks.tls_failure = [terminal](const std::string& message) {
    std::fprintf(stderr, "%sfaultline bench: TLS handshake failed: %s (counted as tls errors)\n",
                 terminal ? "\r\033[K" : "", message.c_str());
    std::fflush(stderr);
  };
  hooks.metrics_listening = [](const std::string& address) {
    std::fprintf(stderr, "bench metrics listening on %s\n", address.c_str());
    std::fflush(stderr);
  };

  std::unique_ptr<loadgen::MonitorSource> monitor;
  if (!plan.monitor_url.empty() || plan.monitor_pid != 0) {
    std::string error;
    // A scrape that hangs delays the coordinator's next harvest: keep it well inside an interval.
    const auto timeout = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(plan.interval) / 2,
        std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
    monitor = plan.monitor_pid != 0 ? loadgen::make_pid_monitor(plan.monitor_pid, error)
                                    : loadgen::make_url_monitor(plan.monitor_url, timeout, error);
    if (!monitor) {
      std::fprintf(stderr, "faultline bench: --monitor%s: %s\n",
                   plan.monitor_pid != 0 ? "-pid" : "", error.c_str());
      return 2;
    }
    hooks.monitor = monitor.get();
  }
  if (plan.start_at) {
    const double wait =
        *plan.start_at -
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (wait > 0) std::fprintf(stderr, "bench: waiting %.1fs for the start time\n", wait);
    std::fflush(stderr);
  }
  // A chaos experiment switches the proxy's faults during the run; whatever ends the run
  // (its end, Ctrl-C, a failed switch, an exception) it puts the proxy back after it.
  std::unique_ptr<loadgen::ExperimentDriver> experiment;
  if (plan.experiment) {
    experiment = std::make_unique<loadgen::ExperimentDriver>(plan, &interrupted);
    if (auto error = experiment->prepare(); !error.empty()) {
      std::fprintf(stderr, "faultline bench: %s\n", error.c_str());
      if (auto restore_error = experiment->restore(); !restore_error.empty())
        std::fprintf(stderr, "faultline bench: %s\n", experiment->restore_summary().c_str());
      return 1;
    }
    hooks.run_started = [&experiment](loadgen::Clock::time_point start,
                                      const loadgen::LiveCounters& live) {
      experiment->run_started(start, live);
    };
    hooks.run_stopped = [&experiment] { experiment->run_finished(); };
  }

  loadgen::RunResult result;
  std::string run_error;
  try {
    run_error = loadgen::run_bench(plan, hooks, result);
  } catch (const std::exception& e) {
    run_error = std::string("the run failed: ") + e.what();
  }
  if (experiment) {
    experiment->restore();
    std::fprintf(stderr, "%s%s\n", terminal ? "\r\033[K" : "",
                 experiment->restore_summary().c_str());
  }
  if (!run_error.empty()) {
    std::fprintf(stderr, "faultline bench: %s\n", run_error.c_str());
    return 1;
  }
  if (terminal) std::fprintf(stderr, "\r\033[K");
  if (experiment) {
    result.experiment = experiment->outcome(result);
    verdict.experiment_held = result.experiment->passed();
  }

  verdict.thresholds =
      loadgen::evaluate_thresholds(plan.thresholds, loadgen::threshold_inputs(result));
  if (baseline) {
    verdict.baseline_file = plan.baseline->path;
    verdict.max_regression = plan.baseline->max_regression;
    verdict.baseline = loadgen::compare_to_baseline(loadgen::baseline_numbers(result), *baseline,
                                                    plan.baseline->max_regression);
  }
  const std::string text = loadgen::text_report(result, verdict);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (!plan.json_path.empty() &&
      !write_text_file(plan.json_path, loadgen::json_report(result, verdict))) {
    std::fprintf(stderr, "faultline bench: --json %s: cannot write the file\n",
                 plan.json_path.c_str());
    return 1;
  }
  if (!plan.hdr_log_path.empty() &&
      !write_text_file(plan.hdr_log_path, loadgen::hdr_log_text(result))) {
    std::fprintf(stderr, "faultline bench: --hdr-log %s: cannot write the file\n",
                 plan.hdr_log_path.c_str());
    return 1;
  }
  if (!plan.html_path.empty() &&
      !write_text_file(plan.html_path, loadgen::html_report(result, verdict))) {
    std::fprintf(stderr, "faultline bench: --html %s: cannot write the file\n",
                 plan.html_path.c_str());
    return 1;
  }
  if (result.total.requests > 0 && result.latency.count() == 0) {
    std::fprintf(stderr, "faultline bench: no request got a response\n");
    return 1;
  }
  return verdict.passed() ? 0 : 1;
}

}  // namespace faultline::app
