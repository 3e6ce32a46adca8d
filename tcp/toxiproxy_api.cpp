#include "tcp/toxiproxy_api.hpp"

#include <optional>
#include <vector>

#include <boost/json/value.hpp>

#include "tcp/go_json.hpp"

namespace faultline::tcp {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";

Response answer(unsigned status, std::string_view content_type, std::string body) {
  Response response;
  response.status = status;
  response.content_type = content_type;
  response.body = std::move(body);
  return response;
}

Response json_answer(std::string body, unsigned status = 200) {
  return answer(status, kJson, std::move(body));
}

Response no_content() {
  return answer(204, kText, "");
}

// Go's http.Error: the JSON error object as text/plain, with a newline.
Response api_error(const ApiError& error) {
  return answer(error.status, kText,
                "{\"error\":" + gojson::quote(error.message) +
                    ",\"status\":" + std::to_string(error.status) + "}\n");
}

Response bad_body(std::string_view reason) {
  return api_error({400, "bad request body: " + std::string(reason)});
}

// The router's answers for what no route takes.
Response not_found() {
  return answer(404, kText, "404 page not found\n");
}
Response method_not_allowed() {
  return answer(405, kText, "");
}

// Percent-decodes a path segment (the router matches decoded paths).
std::string decode_segment(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.push_back(decode_segment(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// Reads a proxy object's fields as toxiproxy-server's Proxy struct takes them.
std::string read_proxy(const json::value& value, std::string_view go_type, ProxyInput& out) {
  if (!value.is_object()) {
    if (value.is_null()) return "";
    return gojson::type_error(value, go_type);
  }
  const json::object& object = value.as_object();
  std::string listen, upstream;
  if (auto e = gojson::read_string(object, "name", "Proxy.name", out.name); !e.empty()) return e;
  if (gojson::member(object, "listen") && !gojson::member(object, "listen")->is_null()) {
    if (auto e = gojson::read_string(object, "listen", "Proxy.listen", listen); !e.empty())
      return e;
    out.listen = listen;
  }
  if (gojson::member(object, "upstream") && !gojson::member(object, "upstream")->is_null()) {
    if (auto e = gojson::read_string(object, "upstream", "Proxy.upstream", upstream); !e.empty())
      return e;
    out.upstream = upstream;
  }
  return gojson::read_bool(object, "enabled", "Proxy.enabled", out.enabled);
}

std::string proxy_list_json(const ProxyCollection& proxies, const std::vector<std::string>& names) {
  if (names.empty()) return "null";
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += proxy_json(*proxies.find(names[i]));
  }
  return out + "]";
}

}  // namespace

std::string toxiproxy_version(std::string_view faultline_version) {
  return "2.12.0+faultline." + std::string(faultline_version);
}

Response ToxiproxyApi::handle(const Request& request) const {
  // toxiproxy-server refuses browsers, so that a web page cannot drive a local API.
  if (request.user_agent.starts_with("Mozilla/")) {
    return answer(403, kText, "User agent not allowed\n");
  }
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  std::lock_guard lock(mutex_);
  return route(request.method, path, request.body);
}

Response ToxiproxyApi::route(std::string_view method, std::string_view path,
                             std::string_view body) const {
  const std::vector<std::string> parts = split_path(path);
  for (const auto& part : parts) {
    if (part.empty()) return not_found();
  }
  const bool get = method == "GET", post = method == "POST", patch = method == "PATCH",
             del = method == "DELETE";
  if (parts.size() == 1) {
    const std::string& what = parts[0];
    if (what == "version") {
      if (!get) return method_not_allowed();
      return answer(200, "application/json;charset=utf-8",
                    "{\"version\": " + gojson::quote(version_) + "}\n");
    }
    if (what == "metrics")
      return answer(200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics_text_ ? metrics_text_() : "");
    if (what == "reset") {
      if (!post) return method_not_allowed();
      if (ApiError error = proxies_.reset()) return api_error(error);
      return no_content();
    }
    if (what == "populate") {
      if (!post) return method_not_allowed();
      return populate(body);
    }
    if (what == "proxies") {
      if (post) return create_proxy(body);
      if (!get) return method_not_allowed();
      std::string out = "{";
      bool first = true;
      for (const auto& [name, proxy] : proxies_.proxies()) {
        if (!first) out += ',';
        first = false;
        out += gojson::quote(name) + ":" + proxy_json(proxy);
      }
      return json_answer(out + "}");
    }
    return not_found();
  }
  if (parts.empty() || parts[0] != "proxies" || parts.size() > 4) return not_found();
  if (parts.size() == 3 && parts[2] != "toxics") return not_found();
  if (parts.size() == 4 && parts[2] != "toxics") return not_found();
  const std::string& name = parts[1];
  if (parts.size() == 2) {
    if (!get && !post && !patch && !del) return method_not_allowed();
    if (post || patch) return update_proxy(name, body);
    if (del) {
      if (ApiError error = proxies_.remove(name)) return api_error(error);
      return no_content();
    }
    const ProxyEntry* proxy = proxies_.find(name);
    if (proxy == nullptr) return api_error({404, "proxy not found"});
    return json_answer(proxy_json(*proxy));
  }
  if (parts.size() == 3) {
    if (post) return create_toxic(name, body);
    if (!get) return method_not_allowed();
    const ProxyEntry* proxy = proxies_.find(name);
    if (proxy == nullptr) return api_error({404, "proxy not found"});
    return json_answer(toxics_json(*proxy));
  }
  const std::string& toxic = parts[3];
  if (!get && !post && !patch && !del) return method_not_allowed();
  if (post || patch) return update_toxic(name, toxic, body);
  const ProxyEntry* proxy = proxies_.find(name);
  if (proxy == nullptr) return api_error({404, "proxy not found"});
  if (del) {
    if (ApiError error = proxies_.remove_toxic(name, toxic)) return api_error(error);
    return no_content();
  }
  const ToxicEntry* entry = proxies_.find_toxic(*proxy, toxic);
  if (entry == nullptr) return api_error({404, "toxic not found"});
  return json_answer(toxic_json(entry->toxic));
}

Response ToxiproxyApi::create_proxy(std::string_view body) const {
  std::string error;
  const std::optional<json::value> value = gojson::parse(body, error);
  if (!value) return bad_body(error);
  ProxyInput input;
  if (auto e = read_proxy(*value, "toxiproxy.Proxy", input); !e.empty()) return bad_body(e);
  if (input.name.empty()) return api_error({400, "missing required field: name"});
  if (input.upstream.value_or("").empty()) {
    return api_error({400, "missing required field: upstream"});
  }
  if (ApiError e = proxies_.create(input)) return api_error(e);
  return json_answer(proxy_json(*proxies_.find(input.name)), 201);
}

Response ToxiproxyApi::populate(std::string_view body) const {
  // Populate answers its errors as JSON beside the proxies done so far (not http.Error).
  auto failed = [&](const ApiError& e, const std::vector<std::string>& done) {
    return json_answer("{\"error\":" + gojson::quote(e.message) +
                           ",\"status\":" + std::to_string(e.status) +
                           ",\"proxies\":" + proxy_list_json(proxies_, done) + "}",
                       e.status);
  };
  std::string error;
  const std::optional<json::value> value = gojson::parse(body, error);
  if (!value) return failed({400, "bad request body: " + error}, {});
  std::vector<ProxyInput> inputs;
  if (value->is_array()) {
    for (const auto& item : value->as_array()) {
      ProxyInput input;
      if (auto e = read_proxy(item, "struct { toxiproxy.Proxy; Enabled *bool }", input);
          !e.empty()) {
        return failed({400, "bad request body: " + e}, {});
      }
      inputs.push_back(std::move(input));
    }
  } else if (!value->is_null()) {
    return failed(
        {400, "bad request body: " +
                  gojson::type_error(*value, "[]struct { toxiproxy.Proxy; Enabled *bool }")},
        {});
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string at = " at proxy " + std::to_string(i + 1);
    if (inputs[i].name.empty()) return failed({400, "missing required field: name" + at}, {});
    if (inputs[i].upstream.value_or("").empty()) {
      return failed({400, "missing required field: upstream" + at}, {});
    }
  }
  std::vector<std::string> done;
  for (const ProxyInput& input : inputs) {
    if (ApiError e = proxies_.create_or_replace(input)) return failed(e, done);
    done.push_back(input.name);
  }
  return json_answer("{\"proxies\":" + proxy_list_json(proxies_, done) + "}", 201);
}

Response ToxiproxyApi::update_proxy(std::string_view name, std::string_view body) const {
  if (proxies_.find(name) == nullptr) return api_error({404, "proxy not found"});
  std::string error;
  const std::optional<json::value> value = gojson::parse(body, error);
  if (!value) return bad_body(error);
  ProxyInput input;
  if (auto e = read_proxy(*value, "toxiproxy.Proxy", input); !e.empty()) return bad_body(e);
  if (ApiError e = proxies_.update(name, input)) return api_error(e);
  return json_answer(proxy_json(*proxies_.find(name)));
}

Response ToxiproxyApi::create_toxic(std::string_view proxy_name, std::string_view body) const {
  const ProxyEntry* proxy = proxies_.find(proxy_name);
  if (proxy == nullptr) return api_error({404, "proxy not found"});
  std::string error;
  const std::optional<json::value> value = gojson::parse(body, error);
  if (!value) return bad_body(error);
  Toxic toxic;
  std::string type_name;
  const json::value* attributes = nullptr;
  if (value->is_object()) {
    const json::object& object = value->as_object();
    for (auto [key, field, out] :
         {std::tuple{"name", "ToxicWrapper.name", &toxic.name},
          std::tuple{"type", "ToxicWrapper.type", &type_name},
          std::tuple{"stream", "ToxicWrapper.stream", &toxic.stream_name}}) {
      if (auto e = gojson::read_string(object, key, field, *out); !e.empty()) return bad_body(e);
    }
    if (auto e = gojson::read_float32(object, "toxicity", "ToxicWrapper.toxicity", toxic.toxicity);
        !e.empty()) {
      return bad_body(e);
    }
    attributes = gojson::member(object, "attributes");
    if (attributes != nullptr && !attributes->is_null() && !attributes->is_object()) {
      return bad_body("json: cannot unmarshal " + std::string(gojson::kind_name(*attributes)) +
                      " into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic");
    }
  } else if (!value->is_null()) {
    return bad_body(gojson::type_error(*value, "toxics.ToxicWrapper"));
  }
  const std::optional<Stream> stream = parse_stream(toxic.stream_name);
  if (!stream) {
    return api_error({400, "stream was invalid, can be either upstream or downstream"});
  }
  toxic.stream = *stream;
  if (toxic.name.empty()) toxic.name = type_name + "_" + toxic.stream_name;
  const std::optional<ToxicType> type = parse_toxic_type(type_name);
  if (!type) return api_error({400, "invalid toxic type"});
  toxic.type = *type;
  if (proxies_.find_toxic(*proxy, toxic.name) != nullptr) {
    return api_error({409, "toxic already exists"});
  }
  if (attributes != nullptr) {
    if (auto e = read_attributes(toxic.type, *attributes, toxic.attributes); !e.empty()) {
      return bad_body(e);
    }
  }
  const ToxicEntry& added = proxies_.add_toxic(proxy_name, std::move(toxic));
  return json_answer(toxic_json(added.toxic));
}

Response ToxiproxyApi::update_toxic(std::string_view proxy_name, std::string_view toxic_name,
                                    std::string_view body) const {
  const ProxyEntry* proxy = proxies_.find(proxy_name);
  if (proxy == nullptr) return api_error({404, "proxy not found"});
  const ToxicEntry* entry = proxies_.find_toxic(*proxy, toxic_name);
  if (entry == nullptr) return api_error({404, "toxic not found"});
  std::string error;
  const std::optional<json::value> value = gojson::parse(body, error);
  if (!value) return bad_body(error);
  Toxic toxic = entry->toxic;
  if (value->is_object()) {
    const json::object& object = value->as_object();
    if (const json::value* attributes = gojson::member(object, "attributes")) {
      if (auto e = read_attributes(toxic.type, *attributes, toxic.attributes); !e.empty()) {
        return bad_body(e);
      }
    }
    if (auto e = gojson::read_float32(object, "toxicity", "struct.toxicity", toxic.toxicity);
        !e.empty()) {
      return bad_body(e);
    }
  } else if (!value->is_null()) {
    return bad_body(
        gojson::type_error(*value, "struct { Attributes interface {}; Toxicity float32 }"));
  }
  const ToxicEntry& updated = proxies_.update_toxic(proxy_name, toxic);
  return json_answer(toxic_json(updated.toxic));
}

}  // namespace faultline::tcp
