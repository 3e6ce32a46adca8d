// What a proxy changes in the headers it forwards, decided while the head is written
// (message_writer), so nothing is erased from or inserted into Beast's field container on
// the request path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "proxy/head_fields.hpp"

namespace faultline::proxy {

// RFC 9110 §7.6.1: Connection and the fields it names, plus Proxy-Connection, Keep-Alive,
// TE, Transfer-Encoding and Upgrade are meant for one hop only.
class HopByHopFilter {
 public:
  explicit HopByHopFilter(const HeadFields& fields);

  bool is_hop_by_hop(const HeadFields::value_type& field) const;

 private:
  // Fields named in Connection (views into `fields`); a few, so kept in place.
  boost::container::small_vector<std::string_view, 4> named_;
};

struct ForwardingInfo {
  std::string_view client_address;   // "127.0.0.1" or "::1"
  std::string_view original_host;    // the Host (or absolute-form authority) the client used
  unsigned http_version = 11;        // of the request as received: 10 or 11, for Via
  std::string_view host_if_missing;  // sent as Host when the request has none (HTTP/1.0)
};

// The forwarding fields a request carries to the upstream: the client appended to
// X-Forwarded-For; X-Forwarded-Proto and X-Forwarded-Host only when the client sent none
// (empty here means: keep the client's); "<received version> faultline" appended to Via
// (RFC 9110 §7.6.3). Empty list elements are dropped (RFC 9110 §5.6.1).
struct ForwardingFields {
  std::string x_forwarded_for;
  std::string x_forwarded_proto;
  std::string x_forwarded_host;
  std::string via;
};
// Lines the filter drops as hop-by-hop (named in Connection) count as absent.
ForwardingFields forwarding_fields(const HeadFields& fields, const HopByHopFilter& hop_by_hop,
                                   const ForwardingInfo& info);

// Via of a response with "<version> faultline" appended.
std::string appended_via(const HeadFields& fields, const HopByHopFilter& hop_by_hop,
                         unsigned http_version);

}  // namespace faultline::proxy
