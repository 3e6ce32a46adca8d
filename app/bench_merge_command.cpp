#include "app/bench_merge_command.hpp"

#include <cstdio>
#include <iostream>
#include <iterator>

#include <CLI/CLI.hpp>

#include "loadgen/baseline.hpp"
#include "loadgen/hdr_log.hpp"
#include "loadgen/report.hpp"
#include "loadgen/report_merge.hpp"
#include "loadgen/report_reader.hpp"

namespace faultline::app {

namespace {

bool read_input(const std::string& path, std::string& out) {
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return !std::cin.bad();
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.append(buffer, n);
  const bool ok = std::ferror(file) == 0;
  std::fclose(file);
  return ok;
}

bool write_output(const std::string& path, const std::string& text) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (file == stdout) return ok && std::fflush(stdout) == 0;
  return std::fclose(file) == 0 && ok;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "faultline bench merge: %s\n", message.c_str());
  return 2;
}

}  // namespace

BenchMergeCommand add_bench_merge_command(CLI::App& bench) {
  BenchMergeCommand command;
  command.flags = std::make_shared<BenchMergeFlags>();
  BenchMergeFlags& f = *command.flags;
  auto* merge = bench.add_subcommand(
      "merge", "Add the --json reports of several generators (shards) into one, exactly");
  command.subcommand = merge;
  merge->add_option("reports", f.inputs, "Reports to add ('-' = stdin: every JSON line in it)")
      ->required();
  merge->add_option("--json", f.json_path, "Write the merged JSON report to FILE ('-' = stdout)");
  merge->add_option("--hdr-log", f.hdr_log_path,
                    "Write the merged intervals to FILE in HdrHistogram's log format");
  merge->add_option("--html", f.html_path,
                    "Write the merged run's HTML report to FILE (as bench --html)");
  merge
      ->add_option("--threshold", f.thresholds,
                   "Pass/fail on the merged run, as bench --threshold (repeatable)")
      ->allow_extra_args(false);
  return command;
}

int run_bench_merge_command(const BenchMergeCommand& command) {
  const BenchMergeFlags& f = *command.flags;
  std::vector<loadgen::Threshold> thresholds;
  for (const std::string& text : f.thresholds) {
    loadgen::Threshold threshold;
    if (auto error = loadgen::parse_threshold(text, threshold); !error.empty())
      return usage_error("--threshold '" + text + "': " + error);
    thresholds.push_back(threshold);
  }
  std::vector<loadgen::RunResult> reports;
  for (const std::string& path : f.inputs) {
    std::string text;
    if (!read_input(path, text)) return usage_error(path + ": cannot read it");
    if (auto error = loadgen::read_reports(text, reports); !error.empty())
      return usage_error((path == "-" ? std::string("stdin") : path) + ": " + error);
  }
  loadgen::MergeOutcome outcome = loadgen::merge_reports(std::move(reports));
  for (const std::string& warning : outcome.warnings)
    std::fprintf(stderr, "faultline bench merge: warning: %s\n", warning.c_str());
  if (!outcome.merged) {
    for (const std::string& error : outcome.errors)
      std::fprintf(stderr, "faultline bench merge: %s\n", error.c_str());
    return 2;
  }
  const loadgen::RunResult& merged = *outcome.merged;
  loadgen::Verdict verdict;
  verdict.thresholds = loadgen::evaluate_thresholds(thresholds, loadgen::threshold_inputs(merged));

  // With --json -, stdout is the JSON alone (for pipes); the text report goes to stderr.
  const std::string text = loadgen::text_report(merged, verdict);
  std::fwrite(text.data(), 1, text.size(), f.json_path == "-" ? stderr : stdout);
  std::fflush(stdout);
  if (!f.json_path.empty() && !write_output(f.json_path, loadgen::json_report(merged, verdict))) {
    std::fprintf(stderr, "faultline bench merge: --json %s: cannot write the file\n",
                 f.json_path.c_str());
    return 1;
  }
  if (!f.hdr_log_path.empty() && !write_output(f.hdr_log_path, loadgen::hdr_log_text(merged))) {
    std::fprintf(stderr, "faultline bench merge: --hdr-log %s: cannot write the file\n",
                 f.hdr_log_path.c_str());
    return 1;
  }
  if (!f.html_path.empty() && !write_output(f.html_path, loadgen::html_report(merged, verdict))) {
    std::fprintf(stderr, "faultline bench merge: --html %s: cannot write the file\n",
                 f.html_path.c_str());
    return 1;
  }
  return verdict.passed() ? 0 : 1;
}

}  // namespace faultline::app
