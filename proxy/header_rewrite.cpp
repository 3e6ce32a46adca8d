#include "proxy/header_rewrite.hpp"
#include "base/text.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace faultline::proxy {

namespace beast_http = boost::beast::http;

namespace {

// Every element of every line of a list field, joined, with `appended` last.
template <class Name>
std::string joined_list(const HeadFields& fields, const HopByHopFilter& hop_by_hop, Name name,
                        std::string_view appended) {
  std::string joined;
  auto append = [&joined](std::string_view element) {
    if (!joined.empty()) joined += ", ";
    joined += element;
  };
  auto [first, last] = fields.equal_range(name);
  for (auto it = first; it != last; ++it) {
    if (!hop_by_hop.is_hop_by_hop(*it)) for_each_list_element(it->value(), append);
  }
  append(appended);
  return joined;
}

bool present(const HeadFields& fields, const HopByHopFilter& hop_by_hop, std::string_view name) {
  auto [first, last] = fields.equal_range(name);
  for (auto it = first; it != last; ++it) {
    if (!hop_by_hop.is_hop_by_hop(*it)) return true;
  }
  return false;
}

std::string_view via_entry(unsigned http_version) {
  return http_version == 10 ? "1.0 faultline" : "1.1 faultline";
}

}  // namespace

HopByHopFilter::HopByHopFilter(const HeadFields& fields) {
  auto [first, last] = fields.equal_range(beast_http::field::connection);
  for (auto it = first; it != last; ++it) {
    for_each_list_element(it->value(), [this](std::string_view token) {
      // Connection may not name Host or Content-Length away: a client could otherwise
      // strip the framing and smuggle its body upstream as a second request.
      if (boost::beast::iequals(token, "host") || boost::beast::iequals(token, "content-length")) {
        return;
      }
      named_.push_back(token);
    });
  }
}

bool HopByHopFilter::is_hop_by_hop(const HeadFields::value_type& field) const {
  switch (field.name()) {
    case beast_http::field::connection:
    case beast_http::field::proxy_connection:
    case beast_http::field::keep_alive:
    case beast_http::field::te:
    case beast_http::field::transfer_encoding:
    case beast_http::field::upgrade:
      return true;
    default:
      break;
  }
  for (std::string_view name : named_) {
    if (boost::beast::iequals(name, field.name_string())) return true;
  }
  return false;
}

ForwardingFields forwarding_fields(const HeadFields& fields, const HopByHopFilter& hop_by_hop,
                                   const ForwardingInfo& info) {
  ForwardingFields result;
  result.x_forwarded_for =
      joined_list(fields, hop_by_hop, std::string_view("X-Forwarded-For"), info.client_address);
  if (!present(fields, hop_by_hop, "X-Forwarded-Proto")) result.x_forwarded_proto = "http";
  if (!present(fields, hop_by_hop, "X-Forwarded-Host")) {
    result.x_forwarded_host = info.original_host;
  }
  result.via =
      joined_list(fields, hop_by_hop, beast_http::field::via, via_entry(info.http_version));
  return result;
}

std::string appended_via(const HeadFields& fields, const HopByHopFilter& hop_by_hop,
                         unsigned http_version) {
  return joined_list(fields, hop_by_hop, beast_http::field::via, via_entry(http_version));
}

}  // namespace faultline::proxy
