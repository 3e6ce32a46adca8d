// Network addresses as the config and the command line write them: "host:port" for
// listeners, and the pieces an upstream URL's authority is made of.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline {

struct HostPort {
  std::string host;  // IP literal or name, as written (IPv6 without brackets)
  std::uint16_t port = 0;
};

// "127.0.0.1:8080", "localhost:8080", "[::1]:8080"; port 0..65535 (0 = ephemeral).
// Returns an error message, or "" after storing the address in `out`.
std::string parse_listen_address(std::string_view text, HostPort& out);

// The authority of a URL or a listen address, split but not yet checked.
struct Authority {
  std::string_view host;  // without brackets
  bool bracketed = false;
  std::optional<std::string_view> port;  // the text after ':', when there is one
};

// Splits "host", "host:port", "[v6]" or "[v6]:port"; "" or an error message.
std::string split_authority(std::string_view text, Authority& out);
// "" when `host` (IPv6 already without brackets) is an IP literal or an RFC 1123 name.
std::string host_error(std::string_view host, bool bracketed);
// Decimal 0..65535, nothing else.
std::optional<std::uint16_t> parse_port(std::string_view text);

}  // namespace faultline
