// TLS contexts built from PEM files: one for a listener (the proxy's, `faultline echo`'s)
// and one per upstream or load target that speaks https. Everything a handshake needs
// is decided here, once, so a session only asks for a stream (net/byte_stream.hpp).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace faultline::net {

// A certificate faultline presents, as the expiry gauge and the logs name it.
struct CertificateInfo {
  std::string subject;      // the subject's common name, else the whole subject line
  long long not_after = 0;  // unix seconds
};

// A listener's context: TLS 1.2 and 1.3, ALPN http/1.1 (a client that offers only other
// protocols is refused, RFC 7301 §3.2), the chain and key of the PEM files.
struct ServerTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  CertificateInfo certificate;
};

// Builds it; on failure returns nullptr context and says why in `error`, naming the file.
ServerTls make_server_tls(const std::string& cert_file, const std::string& key_file,
                          std::string& error);

struct ClientTlsSettings {
  bool verify = true;     // false only when the user wrote so
  std::string ca_file;    // PEM bundle; empty = the system's CA store
  std::string cert_file;  // client certificate chain for mTLS (with key_file)
  std::string key_file;
};

// A client context plus the newest session its handshakes were given, so that a new
// connection to the same upstream resumes (an abbreviated handshake) instead of starting
// over. Shared by every worker: the session slot is behind a mutex, taken once per new
// connection, never per request.
class ClientTls {
 public:
  // On failure returns nullptr and says why in `error`, naming the file.
  static std::shared_ptr<ClientTls> make(const ClientTlsSettings& settings, std::string& error);
  ~ClientTls();
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;

  boost::asio::ssl::context& context() { return context_; }
  bool verifies() const { return verify_; }
  // The client certificate, when one is presented.
  const CertificateInfo* client_certificate() const {
    return has_client_certificate_ ? &client_certificate_ : nullptr;
  }

  // Prepares a connection's SSL object before its handshake: SNI (not for an IP
  // address, RFC 6066 §3), the name the certificate must carry, and the session to resume.
  // Returns false with the reason when `server_name` cannot be set.
  bool prepare(SSL* ssl, const std::string& server_name, std::string& error);

 private:
  explicit ClientTls(bool verify);
  static int remember_session(SSL* ssl, SSL_SESSION* session);

  boost::asio::ssl::context context_;
  bool verify_;
  bool has_client_certificate_ = false;
  CertificateInfo client_certificate_;
  std::mutex mutex_;
  SSL_SESSION* session_ = nullptr;  // owned (one reference)
};

// The first certificate of a PEM file, or nullopt with the reason in `error`.
std::optional<CertificateInfo> read_certificate_info(const std::string& pem_file,
                                                     std::string& error);

}  // namespace faultline::net
