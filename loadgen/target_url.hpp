// The URL a bench run targets: "http[s]://host[:port][/path][?query]". https is for the
// load itself; the helpers that reach faultline's admin listener speak plain HTTP only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::loadgen {

struct TargetUrl {
  std::string text;         // as written
  std::string host;         // name or IP literal (IPv6 without brackets)
  bool tls = false;         // https://
  std::uint16_t port = 80;  // 443 for https when not written
  std::string path = "/";   // origin-form: path and query
  std::string host_header;  // "host" or "host:port", as RFC 9110 §7.2 wants it
};

// Returns an error message, or "" after storing the URL in `out`. An https URL is an error
// unless `https_allowed`.
std::string parse_target_url(std::string_view text, TargetUrl& out, bool https_allowed = false);

}  // namespace faultline::loadgen
