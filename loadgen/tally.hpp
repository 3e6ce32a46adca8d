// Counts of what happened to requests, by outcome. Every request the run owed ends in
// exactly one of: a response (any status), or an error of one kind. Plain values: each
// worker keeps its own and the coordinator merges them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace faultline::loadgen {

enum class ErrorKind : std::size_t {
  connect,     // the TCP connection could not be opened
  tls,         // https: the TLS handshake failed (certificate not trusted, no version in common)
  timeout,     // no complete response within --timeout (connect included)
  status_5xx,  // a response with status >= 500 (4xx responses are counted, not errors)
  io,          // reset, closed early or unparsable response
  unsent,      // due in the open model, but every connection was busy until the run ended
};
inline constexpr std::size_t kErrorKindCount = 6;

// Names used in the text report, the JSON report and the Prometheus `kind` label.
std::string_view error_kind_name(ErrorKind kind);

struct Tally {
  std::uint64_t requests = 0;    // finished: answered, failed or never sent
  std::uint64_t status_4xx = 0;  // answered with 400..499 (not errors)
  std::uint64_t late = 0;        // open model: waited for a free connection past its time
  std::array<std::uint64_t, kErrorKindCount> errors_by_kind{};

  std::uint64_t errors() const {
    std::uint64_t total = 0;
    for (std::uint64_t n : errors_by_kind) total += n;
    return total;
  }
  std::uint64_t& errors_of(ErrorKind kind) {
    return errors_by_kind[static_cast<std::size_t>(kind)];
  }
  std::uint64_t errors_of(ErrorKind kind) const {
    return errors_by_kind[static_cast<std::size_t>(kind)];
  }
  double error_rate() const {
    return requests == 0 ? 0.0 : static_cast<double>(errors()) / static_cast<double>(requests);
  }
  void merge(const Tally& other) {
    requests += other.requests;
    status_4xx += other.status_4xx;
    late += other.late;
    for (std::size_t i = 0; i < kErrorKindCount; ++i) errors_by_kind[i] += other.errors_by_kind[i];
  }
};

inline std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::status_5xx:
      return "status_5xx";
    case ErrorKind::io:
      return "io";
    case ErrorKind::unsent:
      return "unsent";
  }
  return "?";
}

}  // namespace faultline::loadgen
