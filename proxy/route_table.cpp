#include "proxy/route_table.hpp"

#include "base/text.hpp"

namespace faultline::proxy {

std::string_view host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  }
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) {
    return host.substr(0, colon);  // exactly one colon: host:port
  }
  return host;
}

RouteTable::RouteTable(const std::vector<config::RouteConfig>& routes) : routes_(routes) {}

const config::RouteConfig* RouteTable::match(std::string_view host, std::string_view path) const {
  const std::string_view request_host = host_name(host);
  const config::RouteConfig* best = nullptr;
  for (const auto& route : routes_) {
    if (!route.host.empty() && !iequals(route.host, request_host)) continue;
    if (!path.starts_with(route.path_prefix)) continue;
    if (best == nullptr || route.path_prefix.size() > best->path_prefix.size() ||
        (route.path_prefix.size() == best->path_prefix.size() && best->host.empty() &&
         !route.host.empty())) {
      best = &route;
    }
  }
  return best;
}

}  // namespace faultline::proxy
