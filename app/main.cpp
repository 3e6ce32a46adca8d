// faultline's command line: parses arguments and hands over to app/commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string_view>

#include "app/bench_command.hpp"
#include "app/commands.hpp"
#include "app/logging.hpp"
#include "app/toxiproxy_command.hpp"

namespace {

bool is_subcommand(const CLI::App& cli, const std::string& name) {
  try {
    cli.get_subcommand(name);
    return true;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // toxiproxy-server's flags are Go-style (-host, -port): not CLI11's syntax.
  if (argc > 1 && std::string_view(argv[1]) == "toxiproxy") {
    faultline::app::setup_logging();
    return faultline::app::run_toxiproxy_command(argc - 2, argv + 2);
  }
  CLI::App cli{"faultline: a chaos and fault-injection reverse proxy with a load generator"};
  cli.require_subcommand(1);
  cli.set_help_all_flag("--help-all", "Show help for every subcommand");

  std::string config_path;
  auto* proxy = cli.add_subcommand("proxy", "Run the proxy (main job)");
  proxy->add_option("-c,--config", config_path, "Config file (TOML)")->required();

  auto* demo = cli.add_subcommand(
      "demo", "Echo upstream on 127.0.0.1:9000, proxy on 127.0.0.1:8080, admin on 127.0.0.1:9901");

  std::string echo_listen = "127.0.0.1:9000";
  unsigned echo_threads = 1;
  auto* echo = cli.add_subcommand("echo", "Built-in upstream for tests and benchmarks");
  echo->add_option("--listen", echo_listen, "Address to listen on")->capture_default_str();
  echo->add_option("--threads", echo_threads, "Worker threads (0 = one per core)")
      ->capture_default_str();
  std::string echo_tls_cert, echo_tls_key;
  auto* echo_cert = echo->add_option("--tls-cert", echo_tls_cert,
                                     "Serve HTTPS with this certificate chain (PEM, leaf first)");
  auto* echo_key =
      echo->add_option("--tls-key", echo_tls_key, "The private key of --tls-cert (PEM)");
  echo_cert->needs(echo_key);
  echo_key->needs(echo_cert);

  auto* check = cli.add_subcommand("check", "Validate a config file");
  check->add_option("-c,--config", config_path, "Config file (TOML)")->required();

  cli.add_subcommand("toxiproxy",
                     "Drop-in for toxiproxy-server: [-host localhost] [-port 8474] [-config FILE]");

  auto* version = cli.add_subcommand("version", "Print the version");

  const faultline::app::BenchCommand bench = faultline::app::add_bench_command(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports an unknown first word only as "a subcommand is required": name it.
    if (argc > 1 && argv[1][0] != '-' && !is_subcommand(cli, argv[1])) {
      std::fprintf(stderr,
                   "faultline: unknown subcommand '%s'\nRun 'faultline --help' for the list.\n",
                   argv[1]);
      return 2;
    }
    // --help is a successful exit (0); every real usage error exits 2.
    const int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }

  faultline::app::setup_logging();
  if (*proxy) return faultline::app::run_proxy(config_path);
  if (*demo) return faultline::app::run_demo();
  if (*echo)
    return faultline::app::run_echo(echo_listen, echo_threads, echo_tls_cert, echo_tls_key);
  if (*check) return faultline::app::run_check(config_path);
  if (*bench.subcommand) return faultline::app::run_bench_command(bench);
  if (*version) {
    std::printf("faultline %s\n", FAULTLINE_VERSION);
    return 0;
  }
  return 2;
}
