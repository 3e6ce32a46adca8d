// The faults a rule can inject, one struct each (Toxiproxy's toxics, HTTP-aware). These
// are settings: what to do, not how; proxy/ executes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "faults/distribution.hpp"

namespace faultline::faults {

enum class Phase {
  request,   // before the request is forwarded
  response,  // after the upstream answered, before the response goes to the client
};

// Wait a sampled time.
struct Delay {
  Distribution distribution;
  Phase phase = Phase::request;
  bool operator==(const Delay&) const = default;
};

// Answer with `status` without contacting the upstream.
struct Abort {
  int status = 503;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // (name, value)
  bool operator==(const Abort&) const = default;
};

// Reset the client's TCP connection (SO_LINGER 0, then close).
struct Reset {
  bool operator==(const Reset&) const = default;
};

// Read the request, never answer; after `duration`, if given, close without a response.
struct Hang {
  std::optional<Duration> duration;
  bool operator==(const Hang&) const = default;
};

// Pace the response body to this rate.
struct Throttle {
  std::uint64_t bytes_per_second = 0;
  bool operator==(const Throttle&) const = default;
};

// Close the connection after this many response body bytes.
struct Truncate {
  std::uint64_t after_bytes = 0;
  bool operator==(const Truncate&) const = default;
};

// Flip this many randomly chosen bytes of the response body; its length stays the same.
struct Corrupt {
  std::uint64_t bytes = 0;
  bool operator==(const Corrupt&) const = default;
};

using Action = std::variant<Delay, Abort, Reset, Hang, Throttle, Truncate, Corrupt>;

// The `kind` label of faultline_faults_injected_total.
enum class FaultKind { delay, abort, reset, hang, throttle, truncate, corrupt };

FaultKind kind_of(const Action& action);
// "delay", "abort", ... as in the config and the metrics.
std::string_view kind_name(FaultKind kind);

// Abort, reset and hang end the exchange: the upstream is never contacted.
inline bool is_terminal(FaultKind kind) {
  return kind == FaultKind::abort || kind == FaultKind::reset || kind == FaultKind::hang;
}

}  // namespace faultline::faults
