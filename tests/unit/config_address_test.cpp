// Listen addresses ("host:port") and upstream URLs ("http://host:port") as accepted by
// the config file and the command line.
#include "config/address.hpp"

#include <gtest/gtest.h>

namespace faultline::config {
namespace {

HostPort listen_ok(std::string_view text) {
  HostPort address;
  EXPECT_EQ(parse_listen_address(text, address), "") << text;
  return address;
}

std::string listen_error(std::string_view text) {
  HostPort address;
  return parse_listen_address(text, address);
}

UpstreamTarget upstream_ok(std::string_view text) {
  UpstreamTarget target;
  EXPECT_EQ(parse_upstream_url(text, target), "") << text;
  return target;
}

std::string upstream_error(std::string_view text) {
  UpstreamTarget target;
  return parse_upstream_url(text, target);
}

TEST(ListenAddress, AcceptsIpv4NamesAndBracketedIpv6) {
  auto v4 = listen_ok("127.0.0.1:8080");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8080);
  auto name = listen_ok("localhost:65535");
  EXPECT_EQ(name.host, "localhost");
  EXPECT_EQ(name.port, 65535);
  auto v6 = listen_ok("[::1]:9901");
  EXPECT_EQ(v6.host, "::1");  // kept without brackets
  EXPECT_EQ(v6.port, 9901);
  EXPECT_EQ(listen_ok("[::]:80").host, "::");
  EXPECT_EQ(listen_ok("echo_upstream.internal:9000").host, "echo_upstream.internal");
}

TEST(ListenAddress, PortZeroMeansEphemeralAndIsAllowed) {
  EXPECT_EQ(listen_ok("0.0.0.0:0").port, 0);
}

TEST(ListenAddress, RejectsMalformedAddressesWithAReason) {
  EXPECT_EQ(listen_error("127.0.0.1"),
            "missing port: expected \"host:port\", e.g. \"127.0.0.1:8080\"");
  EXPECT_EQ(listen_error("::1:8080"), "IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
  EXPECT_EQ(listen_error("127.0.0.1:65536"), "invalid port '65536': expected 0 to 65535");
  EXPECT_EQ(listen_error("127.0.0.1:http"), "invalid port 'http': expected 0 to 65535");
  EXPECT_EQ(listen_error("127.0.0.1:"), "invalid port '': expected 0 to 65535");
  EXPECT_EQ(listen_error("999.0.0.1:80"), "invalid IPv4 address '999.0.0.1'");
  EXPECT_EQ(listen_error("[zz]:80"), "invalid IPv6 address 'zz'");
  EXPECT_EQ(listen_error("[::1"), "missing ']' after the IPv6 address");
  EXPECT_EQ(listen_error("[::1]"), "missing port: expected \"host:port\", e.g. \"127.0.0.1:8080\"");
  EXPECT_EQ(listen_error("[::1]8080"), "expected ':' and a port after ']'");
  EXPECT_EQ(listen_error("my host:80"), "invalid host name 'my host'");
  EXPECT_EQ(listen_error(""), "expected \"host:port\", e.g. \"127.0.0.1:8080\"");
  EXPECT_NE(listen_error(":8080").find("missing host"), std::string::npos);
}

TEST(UpstreamUrl, AcceptsHttpWithOrWithoutPort) {
  auto target = upstream_ok("http://127.0.0.1:9000");
  EXPECT_EQ(target.url, "http://127.0.0.1:9000");
  EXPECT_EQ(target.host, "127.0.0.1");
  EXPECT_EQ(target.port, 9000);
  EXPECT_EQ(upstream_ok("http://backend").port, 80);
  EXPECT_EQ(upstream_ok("http://backend/").host, "backend");
  EXPECT_EQ(upstream_ok("HTTP://backend:81").port, 81);  // schemes ignore case
  auto v6 = upstream_ok("http://[::1]:9000");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 9000);
}

TEST(UpstreamUrl, HttpsDefaultsToPort443) {
  const auto target = upstream_ok("https://api.example.com");
  EXPECT_TRUE(target.https);
  EXPECT_EQ(target.port, 443);
  EXPECT_EQ(upstream_ok("HTTPS://api.example.com:8443").port, 8443);
  EXPECT_FALSE(upstream_ok("http://api.example.com").https);
}

TEST(UpstreamUrl, RejectsPathQueryUserInfoAndOtherSchemes) {
  EXPECT_EQ(upstream_error("http://backend/api"),
            "upstream URLs cannot have a path ('/api'): requests keep their own path");
  EXPECT_EQ(upstream_error("http://backend/?a=1"), "upstream URLs cannot have a query ('?a=1')");
  EXPECT_EQ(upstream_error("http://backend#top"), "upstream URLs cannot have a fragment ('#top')");
  EXPECT_EQ(upstream_error("http://user:pw@backend"),
            "user info (\"user@\") is not supported in upstream URLs");
  EXPECT_EQ(upstream_error("ftp://backend"), "unsupported scheme 'ftp'; use http:// or https://");
  EXPECT_EQ(upstream_error("127.0.0.1:9000"),
            "expected \"http://host:port\" or \"https://host:port\", e.g. "
            "\"http://127.0.0.1:9000\"");
  EXPECT_EQ(upstream_error("http://backend:0"), "invalid port '0': expected 1 to 65535");
  EXPECT_EQ(upstream_error("http://backend:99999"), "invalid port '99999': expected 1 to 65535");
  EXPECT_NE(upstream_error("http://").find("missing host"), std::string::npos);
  EXPECT_EQ(upstream_error("http://::1:9000"), "IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
}

}  // namespace
}  // namespace faultline::config
