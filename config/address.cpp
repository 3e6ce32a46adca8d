// Hand-written rather than Boost.URL: the accepted forms are few, and each rejected
// form deserves its own message.
#include "config/address.hpp"

#include "base/host_port.hpp"
#include "base/text.hpp"

namespace faultline::config {
namespace {

constexpr std::string_view kUpstreamExample =
    "expected \"http://host:port\" or \"https://host:port\", e.g. \"http://127.0.0.1:9000\"";

}  // namespace

std::string parse_upstream_url(std::string_view text, UpstreamTarget& out) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(kUpstreamExample);
  const std::string scheme = lowercase(text.substr(0, scheme_end));  // schemes ignore case
  if (scheme != "http" && scheme != "https") {
    return "unsupported scheme '" + scheme + "'; use http:// or https://";
  }
  const bool https = scheme == "https";

  std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority_text = rest.substr(0, authority_end);
  const std::string_view after =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  if (authority_text.find('@') != std::string_view::npos) {
    return "user info (\"user@\") is not supported in upstream URLs";
  }
  if (const auto hash = after.find('#'); hash != std::string_view::npos) {
    return "upstream URLs cannot have a fragment ('" + std::string(after.substr(hash)) + "')";
  }
  if (const auto query = after.find('?'); query != std::string_view::npos) {
    return "upstream URLs cannot have a query ('" + std::string(after.substr(query)) + "')";
  }
  if (!after.empty() && after != "/") {
    return "upstream URLs cannot have a path ('" + std::string(after) +
           "'): requests keep their own path";
  }

  Authority authority;
  if (auto error = split_authority(authority_text, authority); !error.empty()) return error;
  if (authority.host.empty()) return "missing host: " + std::string(kUpstreamExample);
  if (auto error = host_error(authority.host, authority.bracketed); !error.empty()) return error;
  std::uint16_t port = https ? 443 : 80;
  if (authority.port) {
    const auto parsed = parse_port(*authority.port);
    if (!parsed || *parsed == 0) {
      return "invalid port '" + std::string(*authority.port) + "': expected 1 to 65535";
    }
    port = *parsed;
  }
  out = UpstreamTarget{std::string(text), std::string(authority.host), port, https};
  return "";
}

}  // namespace faultline::config
