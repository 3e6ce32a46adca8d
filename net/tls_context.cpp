#include "net/tls_context.hpp"

#include <ctime>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include "base/file.hpp"

namespace faultline::net {

namespace ssl = boost::asio::ssl;

namespace {

constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// The oldest OpenSSL error of this thread as text, the queue emptied. The oldest is the
// cause ("no start line": not PEM of the kind expected); later ones only wrap it ("PEM lib").
std::string openssl_reason() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(first);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(first);
}

// Why a PEM certificate chain or private key file was refused. OpenSSL checks that the key
// matches the certificate already while loading it.
std::string chain_problem() {
  return "no PEM certificate chain in it (" + openssl_reason() + ")";
}
std::string key_problem(const std::string& cert_file) {
  if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    return "does not match the certificate " + cert_file;
  }
  return "no PEM private key in it (" + openssl_reason() + ")";
}

// Reads the file first so that a missing or unreadable one is told as such, not as a
// PEM error.
bool readable(const std::string& what, const std::string& file, std::string& error) {
  std::string why;
  if (!read_file(file, &why)) {
    error = what + " " + file + ": " + why;
    return false;
  }
  return true;
}

CertificateInfo describe(X509* certificate) {
  CertificateInfo info;
  X509_NAME* subject = X509_get_subject_name(certificate);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* text = nullptr;
    const int length = ASN1_STRING_to_UTF8(&text, data);
    if (length >= 0) info.subject.assign(reinterpret_cast<char*>(text), length);
    OPENSSL_free(text);
  }
  if (info.subject.empty()) {
    char line[256];
    X509_NAME_oneline(subject, line, sizeof line);
    info.subject = line;
  }
  std::tm when{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &when) == 1) {
    info.not_after = static_cast<long long>(timegm(&when));
  }
  return info;
}

int select_http11(SSL*, const unsigned char** out, unsigned char* out_length,
                  const unsigned char* offered, unsigned offered_length, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_length, kHttp11, sizeof kHttp11, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

int client_tls_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

std::optional<CertificateInfo> read_certificate_info(const std::string& pem_file,
                                                     std::string& error) {
  if (!readable("certificate", pem_file, error)) return std::nullopt;
  BIO* bio = BIO_new_file(pem_file.c_str(), "r");
  X509* certificate = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (certificate == nullptr) {
    error = "certificate " + pem_file + ": no PEM certificate in it (" + openssl_reason() + ")";
    return std::nullopt;
  }
  CertificateInfo info = describe(certificate);
  X509_free(certificate);
  return info;
}

ServerTls make_server_tls(const std::string& cert_file, const std::string& key_file,
                          std::string& error) {
  if (!readable("certificate", cert_file, error) || !readable("key", key_file, error)) return {};
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    error = "certificate " + cert_file + ": " + chain_problem();
    return {};
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "key " + key_file + ": " + key_problem(cert_file);
    return {};
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error = "key " + key_file + " does not match certificate " + cert_file;
    return {};
  }
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  ServerTls tls;
  tls.certificate = describe(SSL_CTX_get0_certificate(native));
  tls.context = std::move(context);
  return tls;
}

ClientTls::ClientTls(bool verify) : context_(ssl::context::tls_client), verify_(verify) {}

ClientTls::~ClientTls() {
  if (session_ != nullptr) SSL_SESSION_free(session_);
}

std::shared_ptr<ClientTls> ClientTls::make(const ClientTlsSettings& settings, std::string& error) {
  std::shared_ptr<ClientTls> tls(new ClientTls(settings.verify));
  SSL_CTX* native = tls->context_.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_alpn_protos(native, kHttp11, sizeof kHttp11);
  if (settings.verify) {
    if (!settings.ca_file.empty()) {
      if (!readable("tls_ca", settings.ca_file, error)) return nullptr;
      if (SSL_CTX_load_verify_locations(native, settings.ca_file.c_str(), nullptr) != 1) {
        error = "tls_ca " + settings.ca_file + ": " + openssl_reason();
        return nullptr;
      }
    } else if (SSL_CTX_set_default_verify_paths(native) != 1) {
      error = "the system CA store: " + openssl_reason();
      return nullptr;
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  }
  if (!settings.cert_file.empty()) {
    if (!readable("tls_client_cert", settings.cert_file, error) ||
        !readable("tls_client_key", settings.key_file, error)) {
      return nullptr;
    }
    if (SSL_CTX_use_certificate_chain_file(native, settings.cert_file.c_str()) != 1) {
      error = "tls_client_cert " + settings.cert_file + ": " + chain_problem();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(native, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "tls_client_key " + settings.key_file + ": " + key_problem(settings.cert_file);
      return nullptr;
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      error = "tls_client_key " + settings.key_file + " does not match tls_client_cert " +
              settings.cert_file;
      return nullptr;
    }
    tls->has_client_certificate_ = true;
    tls->client_certificate_ = describe(SSL_CTX_get0_certificate(native));
  }
  // Sessions are kept by us, not in OpenSSL's cache: a client looks none up by itself.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(native, client_tls_index(), tls.get());
  SSL_CTX_sess_set_new_cb(native, &ClientTls::remember_session);
  return tls;
}

int ClientTls::remember_session(SSL* ssl, SSL_SESSION* session) {
  auto* self =
      static_cast<ClientTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), client_tls_index()));
  if (self == nullptr) return 0;
  // A copy: OpenSSL marks a connection's own session unresumable when that connection is
  // closed without a close_notify, which is how idle upstream connections end.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy == nullptr) return 0;
  std::lock_guard lock(self->mutex_);
  if (self->session_ != nullptr) SSL_SESSION_free(self->session_);
  self->session_ = copy;
  return 0;  // the original stays with the connection
}

bool ClientTls::prepare(SSL* ssl, const std::string& server_name, std::string& error) {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(server_name, not_an_address);
  const bool is_address = !not_an_address;
  if (!is_address && SSL_set_tlsext_host_name(ssl, server_name.c_str()) != 1) {
    error = "cannot send server name '" + server_name + "': " + openssl_reason();
    return false;
  }
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                               : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
    if (set != 1) {
      error = "cannot verify against the name '" + server_name + "'";
      return false;
    }
  }
  std::lock_guard lock(mutex_);
  if (session_ != nullptr && SSL_SESSION_is_resumable(session_) == 1)
    SSL_set_session(ssl, session_);
  return true;
}

}  // namespace faultline::net
