#include "app/toxiproxy_command.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/host_port.hpp"
#include "faults/rng.hpp"
#include "http/server.hpp"
#include "metrics/process_metrics.hpp"
#include "metrics/tcp_metrics.hpp"
#include "tcp/proxy_collection.hpp"
#include "tcp/tcp_runtime.hpp"
#include "tcp/toxiproxy_api.hpp"
#include "tcp/toxiproxy_file.hpp"

namespace faultline::app {

namespace {

constexpr const char* kUsage =
    "Usage: faultline toxiproxy [-host localhost] [-port 8474] [-config proxies.json] [-seed N]\n"
    "\n"
    "Serves the Toxiproxy HTTP API (toxiproxy-server 2.12's) and the TCP proxies made\n"
    "through it, with faultline's metrics on GET /metrics.\n"
    "\n"
    "  -host HOST        address of the API (default localhost)\n"
    "  -port PORT        port of the API (default 8474; 0 picks a free one)\n"
    "  -config FILE      JSON array of proxies to create at start; their \"toxics\" too\n"
    "  -seed N           seed of the toxicity dice (default: random)\n"
    "  -proxy-metrics, -runtime-metrics   accepted for compatibility: metrics are always on\n"
    "  -version          print the version\n";

// SIGTERM waits this long for open TCP connections to end by themselves.
constexpr auto kDrainTimeout = std::chrono::seconds(2);

struct Flags {
  std::string host = "localhost";
  std::string port = "8474";
  std::string config;
  std::uint64_t seed = 0;
  bool version = false;
};

// Go's flag package: -name value, -name=value, --name; booleans take no separate value.
bool parse_flags(int argc, char** argv, Flags& flags, std::string& error) {
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      error = "unexpected argument " + arg;
      return false;
    }
    arg.erase(0, arg[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg == "proxy-metrics" || arg == "runtime-metrics") continue;
    if (arg == "version") {
      flags.version = true;
      continue;
    }
    if (arg == "h" || arg == "help") {
      error = "help";
      return false;
    }
    if (arg != "host" && arg != "port" && arg != "config" && arg != "seed") {
      error = "flag provided but not defined: -" + arg;
      return false;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        error = "flag needs an argument: -" + arg;
        return false;
      }
      value = argv[++i];
    }
    if (arg == "host") flags.host = value;
    if (arg == "port") flags.port = value;
    if (arg == "config") flags.config = value;
    if (arg == "seed") {
      try {
        flags.seed = static_cast<std::uint64_t>(std::stoll(value));
      } catch (const std::exception&) {
        error = "invalid value \"" + value + "\" for flag -seed";
        return false;
      }
    }
  }
  return true;
}

std::string metrics_text(const metrics::TcpMetrics& tcp_metrics) {
  std::vector<prometheus::MetricFamily> families = tcp_metrics.Collect();
  if (auto sample = metrics::read_process_sample()) {
    for (auto& family : metrics::process_families(*sample)) families.push_back(std::move(family));
  }
  return metrics::serialize(families);
}

}  // namespace

int run_toxiproxy_command(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!parse_flags(argc, argv, flags, error)) {
    if (error == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "faultline toxiproxy: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (flags.version) {
    std::printf("toxiproxy-server version %s\n", tcp::toxiproxy_version(FAULTLINE_VERSION).c_str());
    return 0;
  }
  HostPort address;
  const std::string listen = flags.host.find(':') != std::string::npos
                                 ? "[" + flags.host + "]:" + flags.port
                                 : flags.host + ":" + flags.port;
  if (auto problem = parse_listen_address(listen, address); !problem.empty()) {
    std::fprintf(stderr, "faultline toxiproxy: -host/-port %s: %s\n", listen.c_str(),
                 problem.c_str());
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  metrics::TcpMetrics tcp_metrics(threads);
  tcp::RuntimeOptions options;
  options.threads = threads;
  options.seed = faults::resolve_seed(flags.seed);
  tcp::TcpRuntime runtime(options, tcp_metrics);
  tcp::ProxyCollection proxies(runtime);
  tcp::ToxiproxyApi api(proxies, tcp::toxiproxy_version(FAULTLINE_VERSION),
                        [&tcp_metrics] { return metrics_text(tcp_metrics); });
  spdlog::info("faultline {} as toxiproxy-server, seed {}", FAULTLINE_VERSION, options.seed);

  if (!flags.config.empty()) {
    std::ifstream file(flags.config);
    if (!file) {
      spdlog::error("-config {}: cannot read the file", flags.config);
    } else {
      std::stringstream text;
      text << file.rdbuf();
      for (const auto& problem : tcp::load_toxiproxy_file(api, text.str())) {
        spdlog::error("-config {}: {}", flags.config, problem);
      }
      spdlog::info("populated {} proxies from {}", proxies.proxies().size(), flags.config);
    }
  }

  http::Server server(address, api);
  try {
    server.start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  spdlog::info("toxiproxy API listening on {}", server.address());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();
  const bool drained = runtime.drain(kDrainTimeout);
  spdlog::info(drained ? "drained, exiting" : "drain deadline passed, exiting");
  return 0;
}

}  // namespace faultline::app
