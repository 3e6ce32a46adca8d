// `faultline bench`: the CLI wiring of the load generator (loadgen/). main.cpp adds the
// subcommand with add_bench_command and, when it was chosen, calls run_bench_command.
#pragma once

#include <memory>

#include "app/bench_merge_command.hpp"

namespace CLI {
class App;
}

namespace faultline::loadgen {
struct BenchFlags;
}

namespace faultline::app {

struct BenchCommand {
  CLI::App* subcommand = nullptr;
  std::shared_ptr<loadgen::BenchFlags> flags;  // filled by the parser
  BenchMergeCommand merge;                     // `bench merge`
};

BenchCommand add_bench_command(CLI::App& cli);

// Exit code: 0 ok; 1 a threshold or the baseline gate failed, or the run could not
// start, or no request got a response; 2 usage or scenario error.
int run_bench_command(const BenchCommand& command);

}  // namespace faultline::app
