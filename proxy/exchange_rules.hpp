// The decisions of an exchange with the upstream, as pure functions of what happened:
// how a failure is answered and counted, when a request may be sent again, how a
// response is framed towards the client. No sockets, no clocks: tested directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/labels.hpp"

namespace faultline::proxy {

// How the body is delimited on the next hop. Decided by the proxy from what the parser
// saw; any Content-Length or Transfer-Encoding among the fields is never copied.
struct Framing {
  bool chunked = false;
  std::optional<std::uint64_t> content_length;  // for a sized body (or HEAD/304 as received)
};

enum class ConnectionDirective { none, close, keep_alive };

// What went wrong with the upstream, as far as the answer to the client cares.
enum class UpstreamFailure {
  connect,          // the connection was refused or failed
  connect_timeout,  // not accepted within connect_timeout
  tls_handshake,    // connected, but the TLS handshake failed (verification, protocol)
  timeout,          // no answer (or a stalled one) within request_timeout
  protocol,         // what it sent was not HTTP/1.x we accept
  closed,           // it closed the connection without a response
  broken,           // any other I/O error (reset, broken pipe)
};

struct FailureAnswer {
  unsigned status;     // 502 or 504
  std::string reason;  // the body's "faultline: <reason>"
  metrics::UpstreamErrorReason metric;
};

// The one place an upstream failure becomes a status, a reason and a metric label.
// `detail` is the error's own text, shown for connect and broken failures.
FailureAnswer answer_upstream_failure(UpstreamFailure failure, std::string_view upstream_url,
                                      std::string_view detail);

// A request may go again, on another connection, only when nothing of it can have been
// acted on: the connection was a reused keep-alive one (an upstream may close those at
// any moment, RFC 9112 §9.3.1), it closed before any response byte, and no body byte had
// been taken from the client.
struct AttemptOutcome {
  bool reused_connection = false;
  bool response_started = false;  // any response head arrived
  bool body_consumed = false;     // request body bytes were read from the client
  bool client_failed = false;     // the client side went wrong (nothing to retry for)
  bool upstream_closed = false;   // eof or reset from the upstream
};
inline constexpr int kMaxAttempts = 3;  // stale keep-alive connections are retried, bounded
bool may_retry(const AttemptOutcome& outcome, int attempt);

// How the response goes to the client. HEAD and 304 keep the length the upstream
// announced; a body is sized as received, or chunked when its length is unknown — except
// towards an HTTP/1.0 client, which knows no chunks: there the end of the body is the close.
struct ResponseFraming {
  Framing framing;
  ConnectionDirective connection = ConnectionDirective::none;
  bool close_client = false;
};
ResponseFraming frame_response(unsigned client_version, bool bodyless,
                               std::optional<std::uint64_t> content_length, bool client_keep_alive,
                               bool draining);

}  // namespace faultline::proxy
