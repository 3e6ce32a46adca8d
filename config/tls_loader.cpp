#include "config/tls_loader.hpp"

#include "net/tls_context.hpp"

namespace faultline::config {

std::string resolve_config_path(const std::string& config_source, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const auto slash = config_source.rfind('/');
  if (slash == std::string::npos) return path;  // a file in the working directory
  return config_source.substr(0, slash + 1) + path;
}

void read_server_tls(TableReader& server, Diagnostics& diagnostics, const std::string& source,
                     ServerConfig& out) {
  const toml::node* node = server.node("tls");
  if (node == nullptr) return;
  const toml::table* table = server.read_table("tls");
  if (table == nullptr) return;
  TableReader reader(*table, server.key_path("tls"), diagnostics);
  const toml::node* cert = reader.read_string("cert", out.tls_cert);
  const toml::node* key = reader.read_string("key", out.tls_key);
  reader.finish();
  if (cert == nullptr || key == nullptr) {
    if (!table->contains("cert") || !table->contains("key")) {
      server.error("tls", node,
                   "needs both cert and key, e.g. { cert = \"server.pem\", key = \"server.key\" }");
    }
    return;
  }
  out.tls_cert = resolve_config_path(source, out.tls_cert);
  out.tls_key = resolve_config_path(source, out.tls_key);
  std::string error;
  net::ServerTls loaded = net::make_server_tls(out.tls_cert, out.tls_key, error);
  if (!loaded.context) {
    server.error("tls", node, std::move(error));
    return;
  }
  out.tls = std::make_shared<const net::ServerTls>(std::move(loaded));
}

void read_route_tls(TableReader& route, const toml::node* upstream_node, const std::string& source,
                    RouteConfig& out) {
  UpstreamTlsConfig& tls = out.tls;
  const toml::node* verify = route.read_bool("tls_verify", tls.verify);
  const toml::node* ca = route.read_string("tls_ca", tls.ca_file);
  const toml::node* name = route.read_string("tls_server_name", tls.server_name);
  const toml::node* cert = route.read_string("tls_client_cert", tls.client_cert);
  const toml::node* key = route.read_string("tls_client_key", tls.client_key);
  if (!out.upstream.https) {
    for (const auto& [key_name, node] : {std::pair{"tls_verify", verify},
                                         {"tls_ca", ca},
                                         {"tls_server_name", name},
                                         {"tls_client_cert", cert},
                                         {"tls_client_key", key}}) {
      if (node != nullptr) route.error(key_name, node, "only for https:// upstreams");
    }
    return;
  }
  if (upstream_node == nullptr) return;  // the upstream itself is wrong: said already
  if ((cert == nullptr) != (key == nullptr)) {
    route.error(cert != nullptr ? "tls_client_cert" : "tls_client_key", cert ? cert : key,
                "tls_client_cert and tls_client_key go together");
    return;
  }
  if (!tls.verify && ca != nullptr) {
    route.error("tls_ca", ca, "has no use with tls_verify = false");
    return;
  }
  if (name != nullptr && tls.server_name.empty()) {
    route.error("tls_server_name", name, "must not be empty");
    return;
  }
  tls.ca_file = resolve_config_path(source, tls.ca_file);
  tls.client_cert = resolve_config_path(source, tls.client_cert);
  tls.client_key = resolve_config_path(source, tls.client_key);
  std::string error;
  tls.context = net::ClientTls::make(
      net::ClientTlsSettings{tls.verify, tls.ca_file, tls.client_cert, tls.client_key}, error);
  if (!tls.context) {
    // The error names the key whose file failed; the system CA store has no key.
    std::string_view key_name = "upstream";
    const toml::node* where = upstream_node;
    for (const auto& [candidate, node] :
         {std::pair{"tls_client_cert", cert}, {"tls_client_key", key}, {"tls_ca", ca}}) {
      if (node != nullptr && error.rfind(std::string(candidate) + " ", 0) == 0) {
        key_name = candidate;
        where = node;
      }
    }
    route.error(key_name, where, std::move(error));
  }
}

std::vector<std::string> dependent_files(const Config& config) {
  std::vector<std::string> files;
  if (config.server.tls) {
    files.push_back(config.server.tls_cert);
    files.push_back(config.server.tls_key);
  }
  for (const auto& route : config.routes) {
    if (!route.upstream.https) continue;
    for (const auto* file : {&route.tls.ca_file, &route.tls.client_cert, &route.tls.client_key}) {
      if (!file->empty()) files.push_back(*file);
    }
  }
  return files;
}

}  // namespace faultline::config
