// The immutable configuration snapshot. A loaded Config is never modified: a reload
// builds a new one beside it and swaps a shared_ptr (see STYLE.md, "Immutable snapshots").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/host_port.hpp"
#include "base/units.hpp"
#include "faults/rule.hpp"

namespace faultline::net {
struct ServerTls;
class ClientTls;
}  // namespace faultline::net

namespace faultline::config {

struct ServerConfig {
  HostPort listen{"0.0.0.0", 8080};
  unsigned threads = 0;  // 0 = one per core
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration drain_timeout = std::chrono::seconds(30);  // SIGTERM: in-flight requests get this long
  std::size_t max_header_bytes = 16384;
  std::uint64_t max_body_bytes = 64ull << 20;
  std::string access_log;  // "" = off, "-" = stdout, otherwise a file path (JSON lines)
  // tls = { cert, key }: the listener speaks HTTPS. Paths as resolved (relative ones
  // against the config file's directory); `tls` is loaded from them with the config, so a
  // reload (and a change of the files, which triggers one) rotates the certificate.
  std::string tls_cert, tls_key;
  std::shared_ptr<const net::ServerTls> tls;  // nullptr: plain HTTP
};

struct AdminConfig {
  HostPort listen{"127.0.0.1", 9901};
  std::string token;  // when set, mutating endpoints need "Authorization: Bearer <token>"
};

struct UpstreamTarget {
  std::string url;  // as written, e.g. "http://127.0.0.1:9000"
  std::string host;
  std::uint16_t port = 80;
  bool https = false;
};

// How a route speaks TLS to an https upstream (paths resolved as for [server] tls).
struct UpstreamTlsConfig {
  bool verify = true;                       // false only when written: logged once at start
  std::string ca_file;                      // "" = the system CA store
  std::string server_name;                  // SNI and the name verified; "" = the upstream's host
  std::string client_cert, client_key;      // mTLS
  std::shared_ptr<net::ClientTls> context;  // loaded with the config
};

struct RouteConfig {
  std::string name;
  std::string path_prefix = "/";
  std::string host;  // empty = any Host
  UpstreamTarget upstream;
  Duration connect_timeout = std::chrono::seconds(2);
  Duration request_timeout = std::chrono::seconds(30);
  std::size_t max_idle_connections = 64;  // per worker thread
  UpstreamTlsConfig tls;                  // used when upstream.https
};

// The [faults] table.
struct FaultsConfig {
  std::string active_profile = "none";
  std::uint64_t seed = 0;
  bool header_control = false;
  std::size_t max_active_faults = 0;
  std::vector<std::string> profile_names{"none"};  // sorted; always contains "none"
  // The parsed profiles, in profile_names' order; "none" is built in and has no rules.
  std::vector<faults::Profile> profiles{faults::Profile{std::string(faults::kNoneProfileName), {}}};

  // The profile called `name`, or nullptr.
  const faults::Profile* find_profile(std::string_view name) const {
    for (const auto& profile : profiles) {
      if (profile.name == name) return &profile;
    }
    return nullptr;
  }
};

struct MetricsConfig {
  // faultline_upstream_latency_seconds quantiles cover this much recent time, in 6 slots.
  Duration window = std::chrono::seconds(60);
};

// A [[tcp]] table: a TCP proxy (databases, caches, brokers). Reloadable: a reload adds,
// removes and changes TCP proxies, leaving the connections of unchanged ones alone.
struct TcpProxyConfig {
  std::string name;  // the `proxy` label, and what `match = { tcp = "..." }` names
  HostPort listen;
  HostPort upstream;    // dialled for each connection (a name is resolved each time)
  bool enabled = true;  // false: no listener, connections are refused (Toxiproxy's "down")
  Duration connect_timeout = std::chrono::seconds(2);
};

// [toxiproxy]: the Toxiproxy-compatible API inside `faultline proxy` (restart to change).
struct ToxiproxyConfig {
  bool enabled = false;  // true when the table has `listen`
  HostPort listen{"127.0.0.1", 8474};
};

struct Config {
  std::string source;  // file path, or "<embedded>"
  ServerConfig server;
  AdminConfig admin;
  MetricsConfig metrics;
  std::vector<RouteConfig> routes;
  std::vector<TcpProxyConfig> tcp;
  ToxiproxyConfig toxiproxy;
  FaultsConfig faults;
};

// Every file whose content the running config depends on besides the config file itself
// (certificates, keys, CA bundles): a change to one of them is a reason to reload.
std::vector<std::string> dependent_files(const Config& config);

}  // namespace faultline::config
