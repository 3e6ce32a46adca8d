// Hand-written rather than Boost.URL: the accepted forms are few, and each rejected
// form deserves its own message.
#include "base/host_port.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace faultline {
namespace {

constexpr std::string_view kListenExample = "expected \"host:port\", e.g. \"127.0.0.1:8080\"";

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

}  // namespace

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

}  // namespace faultline
