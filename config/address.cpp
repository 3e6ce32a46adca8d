// Hand-written rather than Boost.URL: the accepted forms are few, and each rejected
// form deserves its own message ("https upstreams are not supported yet").
#include "config/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace faultline::config {
namespace {

constexpr std::string_view kListenExample = "expected \"host:port\", e.g. \"127.0.0.1:8080\"";
constexpr std::string_view kUpstreamExample =
    "expected \"http://host:port\", e.g. \"http://127.0.0.1:9000\"";

bool looks_like_ipv4(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

bool is_ip_address(int family, std::string_view host) {
  unsigned char buffer[16];
  return inet_pton(family, std::string(host).c_str(), buffer) == 1;
}

// RFC 1123 names, plus '_' which container runtimes allow in service names.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label_length = 0;
  for (char c : host) {
    if (c == '.') {
      if (label_length == 0) return false;
      label_length = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label_length > 63) return false;
    } else {
      return false;
    }
  }
  return label_length != 0;
}

// "" when `host` (IPv6 already without brackets) is acceptable.
std::string host_error(std::string_view host, bool bracketed) {
  if (bracketed) {
    return is_ip_address(AF_INET6, host) ? "" : "invalid IPv6 address '" + std::string(host) + "'";
  }
  if (looks_like_ipv4(host)) {
    return is_ip_address(AF_INET, host) ? "" : "invalid IPv4 address '" + std::string(host) + "'";
  }
  return is_host_name(host) ? "" : "invalid host name '" + std::string(host) + "'";
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

struct Authority {
  std::string_view host;  // without brackets
  bool bracketed = false;
  std::optional<std::string_view> port;  // the text after ':', when there is one
};

// Splits "host", "host:port", "[v6]" or "[v6]:port"; "" or an error message.
std::string split_authority(std::string_view text, Authority& out) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return "";
    if (rest.front() != ':') return "expected ':' and a port after ']'";
    out.port = rest.substr(1);
    return "";
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    out.host = text;
    return "";
  }
  if (text.find(':', colon + 1) != std::string_view::npos) {
    return "IPv6 addresses need brackets, e.g. \"[::1]:8080\"";
  }
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  return "";
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace

std::string parse_listen_address(std::string_view text, HostPort& out) {
  if (text.empty()) return std::string(kListenExample);
  Authority authority;
  if (auto error = split_authority(text, authority); !error.empty()) return error;
  if (!authority.port) return "missing port: " + std::string(kListenExample);
  if (authority.host.empty()) {
    return "missing host: " + std::string(kListenExample) +
           " (\"0.0.0.0:PORT\" for all interfaces)";
  }
  if (auto error = host_error(authority.host, authority.bracketed); !error.empty()) return error;
  const auto port = parse_port(*authority.port);
  if (!port) return "invalid port '" + std::string(*authority.port) + "': expected 0 to 65535";
  out = HostPort{std::string(authority.host), *port};
  return "";
}

std::string parse_upstream_url(std::string_view text, UpstreamTarget& out) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(kUpstreamExample);
  const std::string scheme = lowercase(text.substr(0, scheme_end));  // schemes ignore case
  if (scheme == "https") return "https upstreams are not supported yet; use http://";
  if (scheme != "http") return "unsupported scheme '" + scheme + "'; use http://";

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
  std::uint16_t port = 80;
  if (authority.port) {
    const auto parsed = parse_port(*authority.port);
    if (!parsed || *parsed == 0) {
      return "invalid port '" + std::string(*authority.port) + "': expected 1 to 65535";
    }
    port = *parsed;
  }
  out = UpstreamTarget{std::string(text), std::string(authority.host), port};
  return "";
}

}  // namespace faultline::config
