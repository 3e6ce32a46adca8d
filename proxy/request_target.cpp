#include "proxy/request_target.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace faultline::proxy {

namespace {

bool has_forbidden_character(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

RequestTarget from_origin_form(std::string_view origin, std::string_view authority) {
  RequestTarget t;
  t.origin_form = origin;
  t.path = origin.substr(0, origin.find_first_of("?#"));
  t.authority = authority;
  return t;
}

}  // namespace

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  if (target.empty() || has_forbidden_character(target)) return std::nullopt;
  if (target == "*") return RequestTarget{"*", "*", ""};  // OPTIONS * (asterisk-form)
  if (target.front() == '/') return from_origin_form(target, "");

  std::size_t scheme_length = 0;
  if (starts_with_ignoring_case(target, "http://")) {
    scheme_length = 7;
  } else if (starts_with_ignoring_case(target, "https://")) {
    scheme_length = 8;
  } else {
    return std::nullopt;  // authority-form (CONNECT) or garbage
  }
  std::string_view rest = target.substr(scheme_length);
  std::size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (path_start == std::string_view::npos) return from_origin_form("/", authority);
  std::string_view origin = rest.substr(path_start);
  if (origin.front() != '/') {
    RequestTarget t = from_origin_form(origin, authority);
    t.origin_form.insert(0, "/");  // "http://h?q" -> "/?q"
    t.path = "/";
    return t;
  }
  return from_origin_form(origin, authority);
}

}  // namespace faultline::proxy
