// The URL a bench run targets: "http://host[:port][/path][?query]". Only plain HTTP
// (faultline and its upstreams speak HTTP/1.1 without TLS).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::loadgen {

struct TargetUrl {
  std::string text;  // as written
  std::string host;  // name or IP literal (IPv6 without brackets)
  std::uint16_t port = 80;
  std::string path = "/";   // origin-form: path and query
  std::string host_header;  // "host" or "host:port", as RFC 9110 §7.2 wants it
};

// Returns an error message, or "" after storing the URL in `out`.
std::string parse_target_url(std::string_view text, TargetUrl& out);

}  // namespace faultline::loadgen
