#include "loadgen/bench_flags.hpp"

#include <charconv>
#include <cstdio>

#include "base/file.hpp"
#include "base/text.hpp"
#include "base/units.hpp"
#include "loadgen/baseline.hpp"
#include "loadgen/request_syntax.hpp"
#include "loadgen/scenario_loader.hpp"
#include "loadgen/shard.hpp"

namespace faultline::loadgen {

namespace {

bool read_duration(const std::string& flag, const std::string& text, Micros& out,
                   std::vector<std::string>& errors) {
  auto parsed = faultline::parse_duration(text);
  if (!parsed || parsed->count() <= 0) {
    errors.push_back(
        flag + " " + text + ": " +
        (parsed ? std::string("must be greater than 0") : faultline::duration_error(text)));
    return false;
  }
  out = *parsed;
  return true;
}

void read_output_flags(const BenchFlags& flags, BenchPlan& plan, std::vector<std::string>& errors) {
  for (const std::string& text : flags.thresholds) {
    Threshold threshold;
    if (auto error = parse_threshold(text, threshold); !error.empty())
      errors.push_back("--threshold '" + text + "': " + error);
    else
      plan.thresholds.push_back(threshold);
  }
  plan.json_path = flags.json_path;
  plan.html_path = flags.html_path;
  plan.metrics_listen = flags.metrics_listen;
  plan.hdr_log_path = flags.hdr_log;
  if (!flags.monitor.empty() && flags.monitor_pid)
    errors.push_back("give --monitor URL or --monitor-pid PID, not both");
  if (!flags.monitor.empty()) {
    TargetUrl url;
    if (auto error = parse_target_url(flags.monitor, url); !error.empty())
      errors.push_back("--monitor " + flags.monitor + ": " + error);
    plan.monitor_url = flags.monitor;
  }
  if (flags.monitor_pid) {
    if (*flags.monitor_pid <= 0) errors.push_back("--monitor-pid must be a process id (> 0)");
    plan.monitor_pid = *flags.monitor_pid;
  }
  if (!flags.baseline.empty()) {
    BaselineGate gate;
    gate.path = flags.baseline;
    if (auto error = parse_regression(flags.max_regression, gate.max_regression); !error.empty())
      errors.push_back("--max-regression " + flags.max_regression + ": " + error);
    plan.baseline = gate;
  }
  if (flags.threads) plan.threads = *flags.threads;
}

// --cacert and --insecure, over what a scenario's [target] says.
void read_tls_flags(const BenchFlags& flags, BenchPlan& plan, std::vector<std::string>& errors) {
  if (!flags.cacert.empty()) {
    std::string why;
    if (!read_file(flags.cacert, &why))
      errors.push_back("--cacert " + flags.cacert + ": cannot read the file: " + why);
    plan.cacert = flags.cacert;
    plan.insecure = false;
  }
  if (flags.insecure) {
    if (!flags.cacert.empty()) errors.push_back("give --cacert FILE or --insecure, not both");
    plan.insecure = true;
    plan.cacert.clear();
  }
  if ((!flags.cacert.empty() || flags.insecure) && !plan.target.text.empty() && !plan.target.tls)
    errors.push_back(std::string(flags.insecure ? "--insecure" : "--cacert") +
                     " applies to https:// URLs only");
}

// --start-at and --shard, on a plan whose defaults are applied (shares divide them).
void read_shard_flags(const BenchFlags& flags, BenchPlan& plan, std::vector<std::string>& errors) {
  if (!flags.start_at.empty()) {
    double unix_seconds = 0;
    if (auto error = parse_start_at(flags.start_at, unix_seconds); !error.empty())
      errors.push_back("--start-at " + flags.start_at + ": " + error);
    else
      plan.start_at = unix_seconds;
  }
  if (flags.shard.empty()) return;
  Shard shard;
  if (auto error = parse_shard(flags.shard, shard); !error.empty()) {
    errors.push_back("--shard " + flags.shard + ": " + error);
    return;
  }
  for (std::string& problem : apply_shard(plan, shard)) errors.push_back(std::move(problem));
}

}  // namespace

FlagsResult plan_from_flags(const BenchFlags& flags, unsigned cores) {
  FlagsResult result;
  std::vector<std::string>& errors = result.errors;

  if (!flags.scenario.empty()) {
    if (!flags.url.empty())
      errors.push_back("give a URL or -s SCENARIO, not both (the scenario has [target] url)");
    for (const std::string& name : flags.set_flags)
      errors.push_back(name + " cannot be combined with -s: set it in the scenario file");
    if (!errors.empty()) return result;
    ScenarioResult scenario = load_scenario_file(flags.scenario);
    for (const auto& d : scenario.errors) errors.push_back(d.to_string());
    if (!scenario.plan) return result;
    BenchPlan plan = std::move(*scenario.plan);
    const unsigned scenario_threads = plan.threads;
    plan.threads = 0;
    read_output_flags(flags, plan, errors);
    read_tls_flags(flags, plan, errors);
    if (plan.threads == 0) plan.threads = scenario_threads;
    apply_defaults(plan, cores);
    read_shard_flags(flags, plan, errors);
    if (!errors.empty()) return result;
    result.plan = std::move(plan);
    return result;
  }

  BenchPlan plan;
  if (flags.url.empty()) {
    errors.push_back("give a URL to load, or -s SCENARIO");
  } else if (auto error = parse_target_url(flags.url, plan.target, /*https_allowed=*/true);
             !error.empty()) {
    errors.push_back(flags.url + ": " + error);
  }

  RequestTemplate request;
  request.method = flags.method;
  request.path = plan.target.path;
  for (const std::string& header : flags.headers) {
    const std::size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0) {
      errors.push_back("-H '" + header + "': expected 'Name: value'");
      continue;
    }
    std::string name(trim(std::string_view(header).substr(0, colon)));
    std::string value(trim(std::string_view(header).substr(colon + 1)));
    std::string problem = header_name_problem(name);
    if (problem.empty()) problem = header_value_problem(value);
    if (!problem.empty()) {
      errors.push_back("-H '" + header + "': " + problem);
      continue;
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (flags.body.starts_with("@")) {
    if (auto body = read_file(flags.body.substr(1)))
      request.body = std::move(*body);
    else
      errors.push_back("--body " + flags.body + ": cannot read the file");
  } else {
    request.body = flags.body;
  }
  plan.requests.push_back(request);

  Micros duration{0};
  read_duration("--duration", flags.duration, duration, errors);
  read_duration("--timeout", flags.timeout, plan.timeout, errors);
  read_duration("--interval", flags.interval, plan.interval, errors);

  if (flags.rate) {
    if (!(*flags.rate > 0)) errors.push_back("--rate must be greater than 0");
    plan.model = LoadModel::open;
  } else {
    plan.model = LoadModel::closed;
  }
  if (flags.connections) {
    if (*flags.connections == 0) errors.push_back("--connections must be at least 1");
    plan.connections = *flags.connections;
  }

  if (!flags.stress.empty()) {
    if (flags.rate) errors.push_back("--stress sets its own rates: drop --rate");
    StressSettings stress;
    std::string_view list = flags.stress;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string item(trim(list.substr(0, comma)));
      double rate = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), rate);
      if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || !(rate > 0)) {
        errors.push_back("--stress " + flags.stress +
                         ": expected rising rates like 50,100,200,400");
        break;
      }
      stress.rates.push_back(rate);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    read_duration("--step-duration", flags.step_duration, stress.step_duration, errors);
    read_duration("--break-p95", flags.break_p95, stress.break_p95, errors);
    if (flags.break_error_rate) stress.break_error_rate = *flags.break_error_rate;
    plan.stress = stress;
    plan.model = LoadModel::open;
    if (flags.duration_set)
      errors.push_back("--duration does not apply to --stress: use --step-duration");
  } else {
    Stage stage;
    stage.name = "1";
    stage.duration = duration;
    if (flags.rate) stage.from_rate = stage.rate = *flags.rate;
    plan.stages.push_back(stage);
  }

  read_output_flags(flags, plan, errors);
  read_tls_flags(flags, plan, errors);
  if (!errors.empty()) return result;
  if (plan.stress) expand_stress_stages(plan);
  apply_defaults(plan, cores);
  for (std::string& problem : validate_plan(plan)) errors.push_back(std::move(problem));
  if (errors.empty()) read_shard_flags(flags, plan, errors);
  if (errors.empty()) result.plan = std::move(plan);
  return result;
}

}  // namespace faultline::loadgen
