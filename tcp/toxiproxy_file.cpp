#include "tcp/toxiproxy_file.hpp"

#include <cctype>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "tcp/go_json.hpp"
#include "tcp/toxiproxy_api.hpp"

namespace faultline::tcp {

namespace json = boost::json;

namespace {

// A proxy name as one path segment (RFC 3986 §2.1).
std::string path_segment(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> load_toxiproxy_file(const ToxiproxyApi& api, std::string_view text) {
  std::vector<std::string> problems;
  auto call = [&](std::string method, std::string target, std::string body) {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    return api.handle(request);
  };
  const http::Response populated = call("POST", "/populate", std::string(text));
  if (populated.status != 201) {
    problems.push_back("populate answered " + std::to_string(populated.status) + ": " +
                       populated.body);
  }
  std::string error;
  const auto value = gojson::parse(text, error);
  if (!value || !value->is_array()) return problems;
  for (const json::value& entry : value->as_array()) {
    if (!entry.is_object()) continue;
    const json::value* name = gojson::member(entry.as_object(), "name");
    const json::value* toxics = gojson::member(entry.as_object(), "toxics");
    if (name == nullptr || !name->is_string() || toxics == nullptr || !toxics->is_array()) continue;
    const std::string proxy(name->as_string());
    for (const json::value& toxic : toxics->as_array()) {
      const http::Response added =
          call("POST", "/proxies/" + path_segment(proxy) + "/toxics", json::serialize(toxic));
      if (added.status != 200) {
        problems.push_back("proxy " + proxy + ": toxic " + json::serialize(toxic) + ": " +
                           added.body);
      }
    }
  }
  return problems;
}

}  // namespace faultline::tcp
