// Chooses the route for a request: among the routes whose host matches (or that have no
// host), the longest path_prefix wins; on equal prefixes a route naming the host beats
// one that does not. Pure logic, no I/O.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace faultline::proxy {

class RouteTable {
 public:
  explicit RouteTable(const std::vector<config::RouteConfig>& routes);

  // The Host may carry a port ("api.test:8080"); it is compared without it, ignoring
  // case. `path` is the request path without the query. nullptr when nothing matches.
  const config::RouteConfig* match(std::string_view host, std::string_view path) const;

 private:
  const std::vector<config::RouteConfig>& routes_;
};

// The host of a Host field, without its port: "Api.Test:8080" -> "Api.Test",
// "[::1]:80" -> "::1". Hosts compare ignoring ASCII case.
std::string_view host_name(std::string_view host);

}  // namespace faultline::proxy
