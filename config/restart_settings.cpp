#include "config/restart_settings.hpp"

namespace faultline::config {

namespace {

bool same(const HostPort& a, const HostPort& b) {
  return a.host == b.host && a.port == b.port;
}

}  // namespace

std::vector<std::string> changed_restart_settings(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  if (!same(running.server.listen, loaded.server.listen)) changed.emplace_back("server.listen");
  if (running.server.threads != loaded.server.threads) changed.emplace_back("server.threads");
  if (running.server.access_log != loaded.server.access_log) {
    changed.emplace_back("server.access_log");
  }
  if (!same(running.admin.listen, loaded.admin.listen)) changed.emplace_back("admin.listen");
  if (running.metrics.window != loaded.metrics.window) changed.emplace_back("metrics.window");
  if (running.toxiproxy.enabled != loaded.toxiproxy.enabled ||
      !same(running.toxiproxy.listen, loaded.toxiproxy.listen)) {
    changed.emplace_back("toxiproxy.listen");
  }
  return changed;
}

}  // namespace faultline::config
