#include "metrics/tls_metrics.hpp"

#include <algorithm>

namespace faultline::metrics {

namespace {

// An unknown reason counts as "protocol": the label set stays fixed whatever happens.
std::size_t reason_index(std::string_view reason) {
  const auto* found = std::find(kTlsFailureReasons.begin(), kTlsFailureReasons.end(), reason);
  if (found == kTlsFailureReasons.end()) {
    found = std::find(kTlsFailureReasons.begin(), kTlsFailureReasons.end(), "protocol");
  }
  return static_cast<std::size_t>(found - kTlsFailureReasons.begin());
}

}  // namespace

void TlsMetrics::record_handshake_error(Side side, std::string_view reason) noexcept {
  errors_[static_cast<std::size_t>(side) * kReasons + reason_index(reason)].fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t TlsMetrics::handshake_errors(Side side, std::string_view reason) const {
  return errors_[static_cast<std::size_t>(side) * kReasons + reason_index(reason)].load(
      std::memory_order_relaxed);
}

void TlsMetrics::set_certificates(const std::vector<CertificateExpiry>& certificates) {
  std::vector<CertificateExpiry> merged;
  for (const auto& certificate : certificates) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const CertificateExpiry& known) {
      return known.side == certificate.side && known.name == certificate.name;
    });
    if (same == merged.end()) {
      merged.push_back(certificate);
    } else {
      same->not_after = std::min(same->not_after, certificate.not_after);
    }
  }
  std::lock_guard lock(mutex_);
  certificates_ = std::move(merged);
}

std::vector<prometheus::MetricFamily> TlsMetrics::Collect() const {
  using prometheus::ClientMetric;
  prometheus::MetricFamily errors{"faultline_tls_handshake_errors_total",
                                  "TLS handshakes that failed, by side and reason.",
                                  prometheus::MetricType::Counter,
                                  {}};
  for (std::size_t side = 0; side < kSideCount; ++side) {
    for (std::size_t reason = 0; reason < kReasons; ++reason) {
      ClientMetric metric;
      metric.label = {{"side", std::string(to_string(static_cast<Side>(side)))},
                      {"reason", std::string(kTlsFailureReasons[reason])}};
      metric.counter.value =
          static_cast<double>(errors_[side * kReasons + reason].load(std::memory_order_relaxed));
      errors.metric.push_back(std::move(metric));
    }
  }
  prometheus::MetricFamily expiry{
      "faultline_tls_certificate_expiry_timestamp_seconds",
      "When a certificate faultline serves (side client) or presents to an upstream (side "
      "upstream) expires, in unix seconds.",
      prometheus::MetricType::Gauge,
      {}};
  {
    std::lock_guard lock(mutex_);
    for (const auto& certificate : certificates_) {
      ClientMetric metric;
      metric.label = {{"side", std::string(to_string(certificate.side))},
                      {"name", certificate.name}};
      metric.gauge.value = certificate.not_after;
      expiry.metric.push_back(std::move(metric));
    }
  }
  return {std::move(errors), std::move(expiry)};
}

}  // namespace faultline::metrics
