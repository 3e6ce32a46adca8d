#include "proxy/header_rewrite.hpp"

#include <string>
#include <vector>

#include <boost/beast/http/field.hpp>

namespace faultline::proxy {

namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void append_list_value(http::fields& fields, std::string_view name, std::string_view value) {
  auto [first, last] = fields.equal_range(name);
  if (first == last) {
    fields.set(name, value);
    return;
  }
  // Several header lines of a list field mean the same as one line joined with commas.
  std::string joined;
  for (auto it = first; it != last; ++it) {
    if (!joined.empty()) joined += ", ";
    joined += std::string_view(it->value());
  }
  joined += ", ";
  joined += value;
  fields.set(name, joined);
}

std::string_view via_version(unsigned http_version) {
  return http_version == 10 ? "1.0 faultline" : "1.1 faultline";
}

}  // namespace

void remove_hop_by_hop_fields(http::fields& fields) {
  std::vector<std::string> named;
  auto [first, last] = fields.equal_range(http::field::connection);
  for (auto it = first; it != last; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string_view token = trim(list.substr(0, comma));
      if (!token.empty()) named.emplace_back(token);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  for (const auto& name : named) fields.erase(name);
  for (auto field : {http::field::connection, http::field::proxy_connection,
                     http::field::keep_alive, http::field::te, http::field::transfer_encoding,
                     http::field::upgrade}) {
    fields.erase(field);
  }
}

void add_forwarding_fields(http::fields& fields, const ForwardingInfo& info) {
  append_list_value(fields, "X-Forwarded-For", info.client_address);
  if (fields.find("X-Forwarded-Proto") == fields.end()) fields.set("X-Forwarded-Proto", "http");
  if (fields.find("X-Forwarded-Host") == fields.end() && !info.original_host.empty()) {
    fields.set("X-Forwarded-Host", info.original_host);
  }
  append_list_value(fields, "Via", "1.1 faultline");
}

void add_via(http::fields& fields, unsigned http_version) {
  append_list_value(fields, "Via", via_version(http_version));
}

}  // namespace faultline::proxy
