// Why a TLS handshake (or a read on a TLS connection) failed, in words a user can act on
// and as a short label for faultline_tls_handshake_errors_total{reason} (a fixed set, so
// that a hostile peer cannot grow the metric).
#pragma once

#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

struct ssl_st;

namespace faultline::net {

struct TlsFailure {
  // One of: timeout, closed, plain_http, version, alpn, no_certificate, expired,
  // not_yet_valid, unknown_ca, name_mismatch, verify_failed, peer_alert, protocol.
  std::string_view reason;
  std::string message;  // e.g. "certificate verify failed: certificate has expired"
};

// `ssl` is the connection's (for the verification result), `timed_out` when the
// deadline closed the socket under the handshake.
TlsFailure describe_tls_failure(const boost::system::error_code& error, ssl_st* ssl,
                                bool timed_out);

}  // namespace faultline::net
