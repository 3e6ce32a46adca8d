// Route selection: which configured route a request (Host, path) goes to.
#include "proxy/route_table.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

config::RouteConfig route(std::string name, std::string path_prefix, std::string host = "") {
  config::RouteConfig r;
  r.name = std::move(name);
  r.path_prefix = std::move(path_prefix);
  r.host = std::move(host);
  return r;
}

// The name of the matched route, or "<none>": failures then print which route won.
std::string matched(const RouteTable& table, std::string_view host, std::string_view path) {
  const config::RouteConfig* r = table.match(host, path);
  return r == nullptr ? "<none>" : r->name;
}

TEST(RouteTable, LongestPathPrefixWinsWhateverTheOrderOfRoutes) {
  // RouteTable keeps a reference: the routes must outlive it, as in Snapshot.
  const std::vector<config::RouteConfig> routes{route("root", "/"), route("api_v1", "/api/v1/"),
                                                route("api", "/api/")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "any.test", "/api/v1/users"), "api_v1");
  EXPECT_EQ(matched(table, "any.test", "/api/v2/users"), "api");
  EXPECT_EQ(matched(table, "any.test", "/static/app.js"), "root");
  EXPECT_EQ(matched(table, "any.test", "/"), "root");
}

TEST(RouteTable, FirstDeclaredRouteWinsBetweenIdenticalPrefixes) {
  const std::vector<config::RouteConfig> routes{route("first", "/a"), route("second", "/a")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "h", "/a/b"), "first");

  const std::vector<config::RouteConfig> same_host{route("first", "/a", "h"),
                                                   route("second", "/a", "h")};
  EXPECT_EQ(matched(RouteTable(same_host), "h", "/a/b"), "first");
}

TEST(RouteTable, HostMatchIgnoresCaseAndPort) {
  const std::vector<config::RouteConfig> routes{route("api", "/", "api.test")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "api.test", "/"), "api");
  EXPECT_EQ(matched(table, "API.Test", "/"), "api");
  EXPECT_EQ(matched(table, "api.test:8080", "/"), "api");
  EXPECT_EQ(matched(table, "Api.TEST:80", "/x"), "api");
  EXPECT_EQ(matched(table, "other.test", "/"), "<none>");
  EXPECT_EQ(matched(table, "api.test.evil", "/"), "<none>");
  EXPECT_EQ(matched(table, "", "/"), "<none>");
}

TEST(RouteTable, ConfiguredHostIsComparedIgnoringCase) {
  const std::vector<config::RouteConfig> routes{route("api", "/", "Api.Test")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "api.test:8080", "/"), "api");
}

TEST(RouteTable, HostSpecificRouteBeatsHostlessRouteWithTheSamePrefix) {
  // Both orders: the tie-break must not depend on which route is declared first.
  const std::vector<config::RouteConfig> hostless_first{route("any", "/api", ""),
                                                        route("api_host", "/api", "api.test")};
  const std::vector<config::RouteConfig> host_first{route("api_host", "/api", "api.test"),
                                                    route("any", "/api", "")};
  for (const auto* routes : {&hostless_first, &host_first}) {
    const RouteTable table(*routes);
    EXPECT_EQ(matched(table, "api.test", "/api/x"), "api_host");
    EXPECT_EQ(matched(table, "other.test", "/api/x"), "any");
  }
}

TEST(RouteTable, LongerHostlessPrefixBeatsShorterHostSpecificPrefix) {
  const std::vector<config::RouteConfig> routes{route("api_host", "/", "api.test"),
                                                route("deep", "/deep/")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "api.test", "/deep/x"), "deep");
  EXPECT_EQ(matched(table, "api.test", "/shallow"), "api_host");
}

TEST(RouteTable, HostlessRouteMatchesAnyHostIncludingNone) {
  const std::vector<config::RouteConfig> routes{route("any", "/")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "a.test", "/"), "any");
  EXPECT_EQ(matched(table, "[::1]:8080", "/x"), "any");
  EXPECT_EQ(matched(table, "", "/x"), "any");  // HTTP/1.0 without Host
}

TEST(RouteTable, ReturnsNullWhenNoRouteMatches) {
  const std::vector<config::RouteConfig> routes{route("api", "/api/"),
                                                route("admin", "/", "admin.test")};
  const RouteTable table(routes);
  EXPECT_EQ(table.match("www.test", "/index.html"), nullptr);
  EXPECT_EQ(table.match("www.test", "/api"), nullptr);  // shorter than the prefix "/api/"

  const std::vector<config::RouteConfig> none;
  EXPECT_EQ(RouteTable(none).match("www.test", "/"), nullptr);
}

TEST(RouteTable, MatchReturnsTheConfiguredRouteItself) {
  const std::vector<config::RouteConfig> routes{route("a", "/a"), route("b", "/b")};
  const RouteTable table(routes);
  EXPECT_EQ(table.match("h", "/b"), &routes[1]);
}

TEST(RouteTable, PrefixIsAPlainStringPrefixLikeEnvoy) {
  // Like Envoy's `prefix` match, "/api" is not a path-segment match: it also takes
  // "/apix". Write "/api/" to stop at the segment boundary.
  const std::vector<config::RouteConfig> routes{route("api", "/api"), route("root", "/")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "h", "/api"), "api");
  EXPECT_EQ(matched(table, "h", "/api/x"), "api");
  EXPECT_EQ(matched(table, "h", "/apix"), "api");
  EXPECT_EQ(matched(table, "h", "/ap"), "root");
}

TEST(RouteTable, PrefixMatchIsCaseSensitive) {
  const std::vector<config::RouteConfig> routes{route("api", "/api")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "h", "/API"), "<none>");
}

TEST(RouteTable, BracketedIpv6HostMatchesARouteForTheBareAddress) {
  const std::vector<config::RouteConfig> routes{route("loopback6", "/", "::1")};
  const RouteTable table(routes);
  EXPECT_EQ(matched(table, "[::1]:80", "/"), "loopback6");
  EXPECT_EQ(matched(table, "[::1]", "/"), "loopback6");
  EXPECT_EQ(matched(table, "[::2]:80", "/"), "<none>");
}

TEST(HostName, DropsThePortAndKeepsTheCase) {
  EXPECT_EQ(host_name("Api.Test:8080"), "Api.Test");
  EXPECT_EQ(host_name("api.test"), "api.test");
  EXPECT_EQ(host_name("127.0.0.1:9000"), "127.0.0.1");
  EXPECT_EQ(host_name("api.test:"), "api.test");
  EXPECT_EQ(host_name(""), "");
}

TEST(HostName, Ipv6LiteralLosesBracketsAndPort) {
  EXPECT_EQ(host_name("[::1]:80"), "::1");
  EXPECT_EQ(host_name("[::1]"), "::1");
  EXPECT_EQ(host_name("[FE80::1]:8080"), "FE80::1");
  EXPECT_EQ(host_name("[::1"), "::1");  // unterminated: everything after '['
}

TEST(HostName, BareIpv6IsNotMistakenForHostAndPort) {
  // Several colons and no brackets: the last group is part of the address, not a port.
  EXPECT_EQ(host_name("::1"), "::1");
  EXPECT_EQ(host_name("2001:DB8::80"), "2001:DB8::80");
}

}  // namespace
}  // namespace faultline::proxy
