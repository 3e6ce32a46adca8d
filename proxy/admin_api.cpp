#include "proxy/admin_api.hpp"

#include <string_view>

namespace faultline::proxy {

namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

AdminResponse method_not_allowed(std::string_view allow) {
  AdminResponse response;
  response.status = 405;
  response.content_type = "application/json";
  response.body = "{\"error\":\"method not allowed; use " + std::string(allow) + "\"}\n";
  response.allow = allow;
  return response;
}

AdminResponse json_error(unsigned status, std::string_view message) {
  AdminResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = "{\"error\":\"";
  response.body += message;
  response.body += "\"}\n";
  return response;
}

}  // namespace

AdminResponse AdminApi::handle(const AdminRequest& request) const {
  const std::string_view path = path_of(request.target);
  const bool read_only = request.method == "GET" || request.method == "HEAD";
  if (path == "/healthz") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  if (path == "/readyz") {
    if (!read_only) return method_not_allowed("GET, HEAD");
    if (!ready()) return {503, "text/plain; charset=utf-8", "draining\n"};
    return {200, "text/plain; charset=utf-8", "ready\n"};
  }
  return json_error(404, "no admin endpoint at this path");
}

}  // namespace faultline::proxy
