// What the fault engine sees of a request: plain views, no Beast types. The proxy fills
// one per request from the parsed header; the views must outlive the decide() call only.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace faultline::faults {

struct Header {
  std::string_view name;  // any case
  std::string_view value;
};

struct RequestView {
  std::string_view method;  // as sent ("GET"); methods are case-sensitive (RFC 9110 §9.1)
  std::string_view path;    // the path of the request target, without the query
  std::string_view host;    // the Host (or absolute-form authority); case and port ignored
  std::string_view route;   // the name of the route that matched
  std::span<const Header> headers;

  // The first value of header `name` (compared ignoring ASCII case), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace faultline::faults
