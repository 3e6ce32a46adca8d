// TOML text -> Config. The schema lives here, one function per top-level table; the
// mechanics of strict reading (types, units, unknown keys, places) live in table_reader.
#include "config/loader.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include <toml++/toml.h>

#include "base/file.hpp"
#include "base/host_port.hpp"
#include "base/text.hpp"
#include "config/address.hpp"
#include "config/faults_loader.hpp"
#include "config/tls_loader.hpp"
#include "toml/table_reader.hpp"

namespace faultline::config {
namespace {

constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();
// Beast's parser takes its header limit as a 32-bit count.
constexpr std::uint64_t kMaxHeaderBytesLimit = std::numeric_limits<std::uint32_t>::max();

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

bool has_any(std::string_view text, std::string_view characters) {
  return text.find_first_of(characters) != std::string_view::npos;
}

std::string join_names(const std::set<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

class Loader {
 public:
  explicit Loader(std::string source) : diagnostics_(source) { config_.source = std::move(source); }

  LoadResult load(const toml::table& document) {
    TableReader root(document, "", diagnostics_);
    read_server(root);
    read_admin(root);
    read_metrics(root);
    read_tcp(root);
    read_toxiproxy(root);
    read_routes(root);
    read_faults(root);
    root.finish();
    check_listen_addresses_differ();

    LoadResult result;
    result.errors = diagnostics_.take_sorted();
    if (result.errors.empty()) result.config = std::move(config_);
    return result;
  }

 private:
  const toml::node* read_listen(TableReader& reader, std::string_view key, HostPort& out) {
    std::string text;
    const toml::node* value = reader.read_string(key, text);
    if (value == nullptr) return nullptr;
    if (auto error = parse_listen_address(text, out); !error.empty()) {
      reader.error(key, value, std::move(error));
      return nullptr;
    }
    return value;
  }

  void read_server(TableReader& root) {
    const toml::table* table = root.read_table("server");
    if (table == nullptr) return;
    TableReader reader(*table, "server", diagnostics_);
    ServerConfig& server = config_.server;
    server_listen_ = read_listen(reader, "listen", server.listen);
    reader.read_integer("threads", 0, 1024, server.threads);
    reader.read_positive_duration("header_timeout", server.header_timeout);
    reader.read_positive_duration("idle_timeout", server.idle_timeout);
    reader.read_positive_duration("drain_timeout", server.drain_timeout);
    std::uint64_t header_bytes = server.max_header_bytes;
    if (reader.read_size("max_header_bytes", 1, kMaxHeaderBytesLimit, header_bytes)) {
      server.max_header_bytes = static_cast<std::size_t>(header_bytes);
    }
    reader.read_size("max_body_bytes", 1, std::numeric_limits<std::uint64_t>::max(),
                     server.max_body_bytes);
    reader.read_string("access_log", server.access_log);
    read_server_tls(reader, diagnostics_, config_.source, server);
    reader.finish();
  }

  void read_admin(TableReader& root) {
    const toml::table* table = root.read_table("admin");
    if (table == nullptr) return;
    TableReader reader(*table, "admin", diagnostics_);
    admin_listen_ = read_listen(reader, "listen", config_.admin.listen);
    reader.read_string("token", config_.admin.token);
    reader.finish();
  }

  void read_metrics(TableReader& root) {
    const toml::table* table = root.read_table("metrics");
    if (table == nullptr) return;
    TableReader reader(*table, "metrics", diagnostics_);
    reader.read_positive_duration("window", config_.metrics.window);
    reader.finish();
  }

  // Both on one port would make the second bind fail at start-up; say so now. Port 0
  // asks for an ephemeral port, so two of those never clash.
  void check_listen_addresses_differ() {
    const HostPort& server = config_.server.listen;
    const HostPort& admin = config_.admin.listen;
    if (server.port == 0 || server.port != admin.port || server.host != admin.host) return;
    if (admin_listen_ != nullptr) {
      diagnostics_.add(admin_listen_->source(), "admin.listen",
                       "same address as server.listen; give the admin API its own port");
    } else if (server_listen_ != nullptr) {
      diagnostics_.add(server_listen_->source(), "server.listen",
                       "same address as admin.listen (default \"127.0.0.1:9901\"); use another "
                       "port or set admin.listen");
    }
  }

  void read_routes(TableReader& root) {
    const bool present = root.table().contains("routes");
    const toml::array* routes = root.read_array("routes", "[[routes]]");
    // A config of TCP proxies only needs no route (its HTTP listener answers 404).
    const bool tcp_only = !config_.tcp.empty() || config_.toxiproxy.enabled;
    if (!present && !tcp_only) root.table_error("no routes: add a [[routes]] table");
    if (routes == nullptr) return;
    if (routes->empty()) {
      root.error("routes", routes, "no routes: add a [[routes]] table");
      return;
    }
    for_each_table(*routes, "routes", "[[routes]]", diagnostics_,
                   [&](const toml::table& table, const std::string& path, std::size_t) {
                     read_route(table, path);
                   });
  }

  void read_route(const toml::table& table, const std::string& path) {
    TableReader reader(table, path, diagnostics_);
    RouteConfig route;

    const toml::node* name = reader.read_string("name", route.name);
    if (!table.contains("name")) reader.table_error("route has no name");
    if (name != nullptr && route.name.empty()) {
      reader.error("name", name, "must not be empty");
      name = nullptr;
    }
    const std::string described =
        route.name.empty() ? std::string("route") : "route '" + route.name + "'";

    const toml::node* prefix = reader.read_string("path_prefix", route.path_prefix);
    if (prefix != nullptr) {
      if (route.path_prefix.empty() || route.path_prefix.front() != '/') {
        reader.error("path_prefix", prefix, "must start with '/'");
      } else if (has_any(route.path_prefix, " \t\r\n?#")) {
        reader.error("path_prefix", prefix, "must not contain spaces, '?' or '#'");
      }
    }

    // Host matching ignores case (RFC 9110 §4.2.3), so the name is kept in lower case.
    if (const toml::node* host = reader.read_string("host", route.host)) {
      route.host = lowercase(std::move(route.host));
      if (has_any(route.host, " \t\r\n/?#@")) {
        reader.error("host", host, "expected a host name like \"api.example.com\"");
      }
    }

    std::string upstream_text;
    const toml::node* upstream = reader.read_string("upstream", upstream_text);
    if (upstream != nullptr) {
      if (auto error = parse_upstream_url(upstream_text, route.upstream); !error.empty()) {
        reader.error("upstream", upstream, std::move(error));
        upstream = nullptr;
      }
    } else if (!table.contains("upstream")) {
      reader.table_error(described + " has no upstream");
    }
    read_route_tls(reader, upstream, config_.source, route);

    reader.read_positive_duration("connect_timeout", route.connect_timeout);
    reader.read_positive_duration("request_timeout", route.request_timeout);
    reader.read_integer("max_idle_connections", 0, kInt64Max, route.max_idle_connections);
    reader.finish();

    check_route_is_unique(reader, route, name, prefix);
    config_.routes.push_back(std::move(route));
  }

  void read_tcp(TableReader& root) {
    const toml::array* proxies = root.read_array("tcp", "[[tcp]]");
    if (proxies == nullptr) return;
    for_each_table(*proxies, "tcp", "[[tcp]]", diagnostics_,
                   [&](const toml::table& table, const std::string& path, std::size_t) {
                     read_tcp_proxy(table, path);
                   });
  }

  void read_tcp_proxy(const toml::table& table, const std::string& path) {
    TableReader reader(table, path, diagnostics_);
    TcpProxyConfig proxy;
    const toml::node* name = reader.read_string("name", proxy.name);
    if (!table.contains("name")) reader.table_error("tcp proxy has no name");
    if (name != nullptr && proxy.name.empty()) {
      reader.error("name", name, "must not be empty");
      name = nullptr;
    }
    const std::string described =
        proxy.name.empty() ? std::string("tcp proxy") : "tcp proxy '" + proxy.name + "'";
    const toml::node* listen = read_listen(reader, "listen", proxy.listen);
    if (!table.contains("listen")) reader.table_error(described + " has no listen address");
    std::string upstream_text;
    if (const toml::node* upstream = reader.read_string("upstream", upstream_text)) {
      if (auto error = parse_listen_address(upstream_text, proxy.upstream); !error.empty()) {
        reader.error("upstream", upstream, "expected \"host:port\": " + error);
      } else if (proxy.upstream.port == 0) {
        reader.error("upstream", upstream, "port 0 cannot be connected to");
      }
    } else if (!table.contains("upstream")) {
      reader.table_error(described + " has no upstream");
    }
    reader.read_bool("enabled", proxy.enabled);
    reader.read_positive_duration("connect_timeout", proxy.connect_timeout);
    reader.finish();
    if (name != nullptr) {
      const auto [first, inserted] = tcp_name_lines_.emplace(proxy.name, line_of(*name));
      if (!inserted) {
        reader.error("name", name,
                     "duplicate tcp proxy name '" + proxy.name + "' (first defined at line " +
                         std::to_string(first->second) + ")");
      }
    }
    if (listen != nullptr && proxy.listen.port != 0) {
      const auto key = std::make_pair(proxy.listen.host, proxy.listen.port);
      const auto [first, inserted] = tcp_listen_lines_.emplace(key, line_of(*listen));
      if (!inserted) {
        reader.error(
            "listen", listen,
            "address already used by the tcp proxy at line " + std::to_string(first->second));
      }
    }
    config_.tcp.push_back(std::move(proxy));
  }

  void read_toxiproxy(TableReader& root) {
    const toml::table* table = root.read_table("toxiproxy");
    if (table == nullptr) return;
    TableReader reader(*table, "toxiproxy", diagnostics_);
    config_.toxiproxy.enabled = read_listen(reader, "listen", config_.toxiproxy.listen) != nullptr;
    if (!table->contains("listen")) reader.table_error("[toxiproxy] needs listen = \"host:port\"");
    reader.finish();
  }

  // Names label metrics and (host, path_prefix) picks the route: both must be unique.
  void check_route_is_unique(TableReader& reader, const RouteConfig& route, const toml::node* name,
                             const toml::node* prefix) {
    if (name != nullptr && route.name == "unmatched") {
      reader.error("name", name,
                   "route name 'unmatched' is reserved: it labels the requests no route matched");
    }
    if (name != nullptr) {
      const auto [first, inserted] = route_name_lines_.emplace(route.name, line_of(*name));
      if (!inserted) {
        reader.error("name", name,
                     "duplicate route name '" + route.name + "' (first defined at line " +
                         std::to_string(first->second) + ")");
      }
    }

    const int place = prefix != nullptr ? line_of(*prefix) : line_of(reader.table());
    const auto [first, inserted] = route_prefixes_.emplace(
        std::make_pair(route.host, route.path_prefix), std::make_pair(route.name, place));
    if (!inserted) {
      const std::string what =
          route.host.empty()
              ? "path_prefix \"" + route.path_prefix + "\" is"
              : "host \"" + route.host + "\" and path_prefix \"" + route.path_prefix + "\" are";
      const std::string other =
          first->second.first.empty() ? "another route" : "route '" + first->second.first + "'";
      reader.error("path_prefix", prefix,
                   what + " already used by " + other + " (line " +
                       std::to_string(first->second.second) + ")");
    }
  }

  void read_faults(TableReader& root) {
    FaultsConfig& faults = config_.faults;
    const toml::node* active = nullptr;
    const toml::table* profiles = nullptr;
    if (const toml::table* table = root.read_table("faults")) {
      TableReader reader(*table, "faults", diagnostics_);
      active = reader.read_string("active_profile", faults.active_profile);
      reader.read_integer("seed", 0, kInt64Max, faults.seed);
      reader.read_bool("header_control", faults.header_control);
      reader.read_integer("max_active_faults", 0, kInt64Max, faults.max_active_faults);
      profiles = reader.read_table("profiles");
      reader.finish();
    }
    // The rules belong to the fault engine's schema: config/faults_loader.
    faults.profiles =
        detail::read_fault_profiles(profiles, config_.routes, config_.tcp, diagnostics_);
    faults.profile_names.clear();
    for (const auto& profile : faults.profiles) faults.profile_names.push_back(profile.name);
    const std::set<std::string> names(faults.profile_names.begin(), faults.profile_names.end());

    if (active != nullptr && names.count(faults.active_profile) == 0) {
      std::string message = "unknown profile '" + faults.active_profile + "'";
      if (auto suggestion = closest_match(faults.active_profile, faults.profile_names)) {
        message += " (did you mean '" + *suggestion + "'?)";
      } else {
        message += " (profiles: " + join_names(names) + ")";
      }
      diagnostics_.add(active->source(), "faults.active_profile", std::move(message));
    }
  }

  Diagnostics diagnostics_;
  Config config_;
  const toml::node* server_listen_ = nullptr;
  const toml::node* admin_listen_ = nullptr;
  std::map<std::string, int> route_name_lines_;
  std::map<std::string, int> tcp_name_lines_;
  std::map<std::pair<std::string, std::uint16_t>, int> tcp_listen_lines_;
  // (host, path_prefix) -> (route name, line)
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> route_prefixes_;
};

}  // namespace

LoadResult parse_config(std::string_view toml_text, std::string_view source_name) {
  toml::table document;
  try {
    document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    LoadResult result;
    result.errors.push_back(Diagnostic{
        std::string(source_name), static_cast<int>(error.source().begin.line),
        static_cast<int>(error.source().begin.column), "", std::string(error.description())});
    return result;
  }
  return Loader(std::string(source_name)).load(document);
}

LoadResult load_config_file(const std::string& path, std::string* text_out) {
  std::string error;
  std::optional<std::string> text = read_file(path, &error);
  if (!text) {
    LoadResult result;
    result.errors.push_back(Diagnostic{path, 0, 0, "", "cannot read file: " + error});
    return result;
  }
  LoadResult result = parse_config(*text, path);
  if (text_out != nullptr) *text_out = std::move(*text);
  return result;
}

}  // namespace faultline::config
