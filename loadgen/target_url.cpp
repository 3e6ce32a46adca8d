#include "loadgen/target_url.hpp"

#include <charconv>

#include "loadgen/request_syntax.hpp"

namespace faultline::loadgen {

std::string parse_target_url(std::string_view text, TargetUrl& out, bool https_allowed) {
  const bool tls = text.starts_with("https://");
  if (tls && !https_allowed) return "https is not supported here; use http://";
  if (!tls && !text.starts_with("http://"))
    return https_allowed ? "expected a URL like http://127.0.0.1:8080/path or https://host/path"
                         : "expected a URL like http://127.0.0.1:8080/path";
  std::string_view rest = text.substr(tls ? 8 : 7);
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string path =
      path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (path.front() == '?') path.insert(path.begin(), '/');
  if (const auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  if (authority.find('@') != std::string_view::npos) return "user info in the URL is not supported";
  if (auto problem = path_problem(path); !problem.empty()) return problem;

  std::string_view host = authority;
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in the host";
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "expected ':port' after ']'";
      port_text = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return "the URL has no host";
  const std::uint16_t default_port = tls ? 443 : 80;
  std::uint16_t port = default_port;
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
      return "the port must be a number from 1 to 65535";
    }
    port = static_cast<std::uint16_t>(value);
  }
  out.text = std::string(text);
  out.tls = tls;
  out.host = std::string(host);
  out.port = port;
  out.path = std::move(path);
  const bool ipv6 = host.find(':') != std::string_view::npos;
  out.host_header = ipv6 ? "[" + out.host + "]" : out.host;
  if (port != default_port) out.host_header += ":" + std::to_string(port);
  return "";
}

}  // namespace faultline::loadgen
