#include "net/tls_failure.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace faultline::net {

namespace {

std::string_view verify_reason(long result) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not_yet_valid";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "unknown_ca";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name_mismatch";
    default:
      return "verify_failed";
  }
}

// `error` holds OpenSSL's whole packed error code (library and reason).
std::string library_text(const boost::system::error_code& error) {
  const char* text = ERR_reason_error_string(static_cast<unsigned long>(error.value()));
  return text != nullptr ? text : error.message();
}

}  // namespace

TlsFailure describe_tls_failure(const boost::system::error_code& error, ssl_st* ssl,
                                bool timed_out) {
  if (timed_out) return {"timeout", "TLS handshake timed out"};
  if (error == boost::asio::ssl::error::stream_truncated || error == boost::asio::error::eof ||
      error == boost::asio::error::connection_reset || error == boost::asio::error::broken_pipe) {
    return {"closed", "the peer closed the connection during the TLS handshake"};
  }
  if (error.category() != boost::asio::error::get_ssl_category()) {
    return {"protocol", "TLS handshake failed: " + error.message()};
  }
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(error.value()));
  switch (reason) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED: {
      const long result = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_ERR_UNSPECIFIED;
      return {verify_reason(result),
              std::string("certificate verify failed: ") + X509_verify_cert_error_string(result)};
    }
    case SSL_R_HTTP_REQUEST:
      return {"plain_http", "a plain HTTP request reached the TLS listener"};
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return {"version", "no TLS version in common (1.2 or 1.3 needed): " + library_text(error)};
    case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
    case SSL_R_NO_APPLICATION_PROTOCOL:
      return {"alpn", "no application protocol in common (http/1.1 needed)"};
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return {"no_certificate", "a client certificate is required: " + library_text(error)};
    default:
      break;
  }
  // Alerts the peer sent: reasons SSL_AD_REASON_OFFSET + the alert's number.
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
    return {"peer_alert", "the peer refused the handshake: " + library_text(error)};
  }
  return {"protocol", "TLS handshake failed: " + library_text(error)};
}

}  // namespace faultline::net
