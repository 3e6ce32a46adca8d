#include "proxy/route_table.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace faultline::proxy {

std::string host_without_port(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    auto close = name.find(']');
    name = close == std::string_view::npos ? name.substr(1) : name.substr(1, close - 1);
  } else if (auto colon = name.rfind(':');
             colon != std::string_view::npos && name.find(':') == colon) {
    name = name.substr(0, colon);  // exactly one colon: host:port
  }
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

namespace {

bool same_host_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

RouteTable::RouteTable(const std::vector<config::RouteConfig>& routes) : routes_(routes) {}

const config::RouteConfig* RouteTable::match(std::string_view host, std::string_view path) const {
  const std::string request_host = host_without_port(host);
  const config::RouteConfig* best = nullptr;
  for (const auto& route : routes_) {
    if (!route.host.empty() && !same_host_ignoring_case(route.host, request_host)) continue;
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
