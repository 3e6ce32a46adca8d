// Splits an HTTP/1.1 request target (RFC 9112 §3.2) into what routing needs. An
// absolute-form target ("http://host/x") only ever lends its path and its authority for
// matching; the request still goes to the route's configured upstream.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::proxy {

struct RequestTarget {
  std::string origin_form;  // "/path?query", what is sent upstream
  std::string path;         // "/path", what routes match on
  std::string authority;    // from an absolute-form target, else empty
};

// nullopt for targets a reverse proxy cannot forward: empty, authority-form (CONNECT),
// a scheme other than http/https, or characters not allowed in a target.
std::optional<RequestTarget> parse_request_target(std::string_view target);

}  // namespace faultline::proxy
