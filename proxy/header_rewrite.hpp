// What a proxy changes in the headers it forwards. Operates on Beast's field container
// only (no streams), so it is cheap to include and tested directly.
#pragma once

#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace faultline::proxy {

// RFC 9110 §7.6.1: Connection and the fields it names, plus Proxy-Connection, Keep-Alive,
// TE, Transfer-Encoding and Upgrade are meant for one hop only. The caller re-frames
// the message (chunked or Content-Length) for the next hop.
void remove_hop_by_hop_fields(boost::beast::http::fields& fields);

struct ForwardingInfo {
  std::string_view client_address;  // "127.0.0.1" or "::1"
  std::string_view original_host;   // the Host (or absolute-form authority) the client used
};

// Appends the client to X-Forwarded-For, sets X-Forwarded-Proto and X-Forwarded-Host when
// the client did not send them, and appends "1.1 faultline" to Via (RFC 9110 §7.6.3).
void add_forwarding_fields(boost::beast::http::fields& fields, const ForwardingInfo& info);

// Appends "<version> faultline" to the Via of a response.
void add_via(boost::beast::http::fields& fields, unsigned http_version);

}  // namespace faultline::proxy
