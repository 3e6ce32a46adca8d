// `faultline bench merge A.json B.json ...`: adds the reports of several generators (the
// shards of one run) into one report (loadgen/report_merge.hpp), printed as the text
// report and written as JSON or an HdrHistogram log like a run's.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace faultline::app {

struct BenchMergeFlags {
  std::vector<std::string> inputs;  // files, '-' = stdin
  std::string json_path;
  std::string hdr_log_path;
  std::string html_path;
  std::vector<std::string> thresholds;
};

struct BenchMergeCommand {
  CLI::App* subcommand = nullptr;
  std::shared_ptr<BenchMergeFlags> flags;
};

BenchMergeCommand add_bench_merge_command(CLI::App& bench);

// Exit code: 0 merged; 1 a threshold failed on the merged run, or an output could not be
// written; 2 usage, or reports that cannot be added.
int run_bench_merge_command(const BenchMergeCommand& command);

}  // namespace faultline::app
