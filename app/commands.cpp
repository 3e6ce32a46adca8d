#include "app/commands.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include <spdlog/spdlog.h>

#include "app/embedded_config.hpp"
#include "app/tcp_services.hpp"
#include "base/host_port.hpp"
#include "config/loader.hpp"
#include "echo/echo_server.hpp"
#include "net/tls_context.hpp"
#include "proxy/proxy_server.hpp"

namespace faultline::app {

namespace {

// Signals are taken synchronously by the main thread (sigwait), so the worker threads,
// started after this, inherit the mask and never run a handler. SIGHUP reloads the
// config (systemd's ExecReload, `kill -HUP`).
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

int wait_for_shutdown_signal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

void print_errors(const std::vector<faultline::Diagnostic>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
}

// The running binary's full path, so the banner's bench line works from any directory
// (after `make demo` faultline is not on PATH).
std::string own_path() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "faultline" : path.string();
}

void print_demo_banner(const config::Config& config, const echo::EchoServer& echo,
                       const proxy::ProxyServer& server) {
  const std::string self = own_path();
  const std::string proxy = server.proxy_address();
  const std::string admin = server.admin_address();
  std::string profiles;
  for (const auto& name : config.faults.profile_names) {
    if (!profiles.empty()) profiles += ", ";
    profiles += name == config.faults.active_profile ? name + " (active)" : name;
  }
  std::printf(
      "Live page: http://%s/  (open it in a browser: rates, errors, percentiles, profiles)\n\n"
      "faultline demo is running:\n"
      "  echo upstream   http://%s\n"
      "  proxy           http://%s\n"
      "  admin           http://%s  (/healthz, /readyz, /metrics, /api/v1/...)\n\n"
      "Try:\n"
      "  curl -i http://%s/hello\n"
      "  curl -i http://%s/delay/120\n"
      "  curl -s http://%s/bytes/1048576 | wc -c\n"
      "  curl -s http://%s/metrics | grep faultline_upstream_latency_seconds\n\n"
      "Fault profiles: %s. Switch and watch the effect:\n"
      "  curl -s http://%s/api/v1/profiles\n"
      "  curl -s -X PUT -d '{\"name\":\"slow\"}' http://%s/api/v1/profiles/active\n"
      "  for i in $(seq 5); do curl -s -o /dev/null -w '%%{http_code} %%{time_total}s\\n' "
      "http://%s/api/hello; done\n"
      "  curl -s -X POST http://%s/api/v1/faults/disable   # kill switch (enable to undo)\n"
      "Drive load through it and watch the live page (in another terminal; --html FILE\n"
      "writes a report of the run):\n"
      "  %s bench http://%s/hello --rate 200 --duration 60s\n"
      "Stop with Ctrl-C.\n",
      admin.c_str(), echo.address().c_str(), proxy.c_str(), admin.c_str(), proxy.c_str(),
      proxy.c_str(), proxy.c_str(), admin.c_str(), profiles.c_str(), admin.c_str(), admin.c_str(),
      proxy.c_str(), admin.c_str(), self.c_str(), proxy.c_str());
  std::fflush(stdout);
}

// Serves until SIGTERM/SIGINT, then drains; reloads on SIGHUP. Exit 0 when every request
// finished in time.
int serve_until_signalled(std::shared_ptr<const config::Config> config,
                          const std::string& config_path, const sigset_t& signals,
                          echo::EchoServer* echo) {
  proxy::ProxyServer server(config, config_path);
  TcpServices tcp(*config);
  tcp.attach(server);
  try {
    server.start();
    tcp.start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  if (echo != nullptr) print_demo_banner(*config, *echo, server);
  int signal_number = wait_for_shutdown_signal(signals);
  for (; signal_number == SIGHUP; signal_number = wait_for_shutdown_signal(signals)) {
    if (server.reload("SIGHUP").result == proxy::ReloadOutcome::Result::no_file) {
      spdlog::warn("SIGHUP: this config was not loaded from a file; nothing to reload");
    }
  }
  spdlog::info("received {}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  // TCP connections drain within the same drain_timeout as requests in flight.
  const auto drain_deadline = std::chrono::steady_clock::now() + config->server.drain_timeout;
  const bool requests_drained = server.drain_and_stop();
  const bool connections_drained = tcp.drain(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(drain_deadline - std::chrono::steady_clock::now(),
               std::chrono::steady_clock::duration::zero())));
  const bool drained = requests_drained && connections_drained;
  spdlog::info(drained ? "drained, exiting" : "drain deadline passed, exiting");
  return 0;
}

}  // namespace

int run_check(const std::string& config_path) {
  auto result = config::load_config_file(config_path);
  if (!result.config) {
    print_errors(result.errors);
    return 1;
  }
  std::printf("%s: ok\n", config_path.c_str());
  return 0;
}

int run_proxy(const std::string& config_path) {
  const sigset_t signals = block_shutdown_signals();
  auto result = config::load_config_file(config_path);
  if (!result.config) {
    print_errors(result.errors);
    return 1;
  }
  spdlog::info("faultline {} starting with {}", FAULTLINE_VERSION, config_path);
  return serve_until_signalled(std::make_shared<const config::Config>(std::move(*result.config)),
                               config_path, signals, nullptr);
}

int run_echo(const std::string& listen, unsigned threads, const std::string& tls_cert,
             const std::string& tls_key) {
  const sigset_t signals = block_shutdown_signals();
  faultline::HostPort address;
  if (auto error = faultline::parse_listen_address(listen, address); !error.empty()) {
    std::fprintf(stderr, "faultline echo: --listen %s: %s\n", listen.c_str(), error.c_str());
    return 2;
  }
  // The files are arguments: one that cannot be used is a usage error, told with its name.
  net::ServerTls tls;
  if (!tls_cert.empty()) {
    std::string error;
    tls = net::make_server_tls(tls_cert, tls_key, error);
    if (!tls.context) {
      std::fprintf(stderr, "faultline echo: %s\n", error.c_str());
      return 2;
    }
  }
  echo::EchoServer echo(address, threads, tls.context);
  try {
    echo.start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  wait_for_shutdown_signal(signals);
  echo.stop();
  return 0;
}

int run_demo() {
  const sigset_t signals = block_shutdown_signals();
  auto result = config::parse_config(embedded_config(), "<embedded demo config>");
  if (!result.config) {
    print_errors(result.errors);
    return 1;
  }
  auto config = std::make_shared<const config::Config>(std::move(*result.config));
  // The demo's routes all point at the built-in echo upstream; start it on that address.
  echo::EchoServer echo(faultline::HostPort{config->routes.front().upstream.host,
                                            config->routes.front().upstream.port},
                        1);
  try {
    echo.start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return serve_until_signalled(config, "", signals, &echo);
}

}  // namespace faultline::app
