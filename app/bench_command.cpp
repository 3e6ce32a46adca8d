#include "app/bench_command.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/file.hpp"
#include "loadgen/baseline.hpp"
#include "loadgen/bench_flags.hpp"
#include "loadgen/bench_runner.hpp"
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
  bench->add_option("url", f.url, "Target URL, e.g. http://127.0.0.1:8080/api");
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
  shaping(bench->add_option("--timeout", f.timeout, "Per-request timeout, connect included")
              ->capture_default_str());
  shaping(
      bench->add_option("--interval", f.interval, "Soak report interval")->capture_default_str());
  return command;
}

int run_bench_command(const BenchCommand& command) {
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
  hooks.metrics_listening = [](const std::string& address) {
    std::fprintf(stderr, "bench metrics listening on %s\n", address.c_str());
    std::fflush(stderr);
  };

  loadgen::RunResult result;
  if (auto error = loadgen::run_bench(plan, hooks, result); !error.empty()) {
    std::fprintf(stderr, "faultline bench: %s\n", error.c_str());
    return 1;
  }
  if (terminal) std::fprintf(stderr, "\r\033[K");

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
