// faultline_tls_handshake_errors_total{side, reason} and
// faultline_tls_certificate_expiry_timestamp_seconds{side, name}, joined to the proxy's
// exposition (ProxyMetrics::tls()).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "metrics/labels.hpp"

namespace faultline::metrics {

// The reasons a handshake fails, as net/tls_failure.hpp names them: a fixed set, so the
// series are known in advance and start at zero.
inline constexpr std::array<std::string_view, 13> kTlsFailureReasons = {
    "timeout",        "closed",     "plain_http",    "version",    "alpn",
    "no_certificate", "expired",    "not_yet_valid", "unknown_ca", "name_mismatch",
    "verify_failed",  "peer_alert", "protocol"};

// A certificate faultline serves (side client) or presents to an upstream (side upstream).
struct CertificateExpiry {
  Side side = Side::client;
  std::string name;      // the certificate's subject
  double not_after = 0;  // unix seconds
};

class TlsMetrics final : public prometheus::Collectable {
 public:
  // Any thread; failures only (a few atomics, no lock).
  void record_handshake_error(Side side, std::string_view reason) noexcept;
  // Replaces the certificates shown (at start and after every reload). Two with one name
  // on one side show the earlier expiry: the one to act on.
  void set_certificates(const std::vector<CertificateExpiry>& certificates);

  std::uint64_t handshake_errors(Side side, std::string_view reason) const;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  static constexpr std::size_t kReasons = kTlsFailureReasons.size();
  std::array<std::atomic<std::uint64_t>, kSideCount * kReasons> errors_{};
  mutable std::mutex mutex_;
  std::vector<CertificateExpiry> certificates_;
};

}  // namespace faultline::metrics
