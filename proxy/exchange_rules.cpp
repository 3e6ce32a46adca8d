#include "proxy/exchange_rules.hpp"

namespace faultline::proxy {

FailureAnswer answer_upstream_failure(UpstreamFailure failure, std::string_view upstream_url,
                                      std::string_view detail) {
  const std::string upstream = "upstream " + std::string(upstream_url);
  using Reason = metrics::UpstreamErrorReason;
  switch (failure) {
    case UpstreamFailure::connect:
      return {502, "cannot connect to " + upstream + ": " + std::string(detail), Reason::connect};
    case UpstreamFailure::connect_timeout:
      return {504, upstream + " did not accept a connection within connect_timeout",
              Reason::timeout};
    case UpstreamFailure::tls_handshake:
      return {502, "TLS handshake with " + upstream + " failed: " + std::string(detail),
              Reason::connect};
    case UpstreamFailure::timeout:
      return {504, upstream + " did not answer within request_timeout", Reason::timeout};
    case UpstreamFailure::protocol:
      return {502, upstream + " sent an invalid response: " + std::string(detail),
              Reason::protocol};
    case UpstreamFailure::closed:
      return {502, upstream + " closed the connection without a response", Reason::reset};
    case UpstreamFailure::broken:
      return {502, upstream + " failed: " + std::string(detail), Reason::reset};
  }
  return {502, upstream + " failed", Reason::reset};
}

bool may_retry(const AttemptOutcome& outcome, int attempt) {
  return outcome.reused_connection && !outcome.response_started && !outcome.body_consumed &&
         !outcome.client_failed && outcome.upstream_closed && attempt < kMaxAttempts;
}

ResponseFraming frame_response(unsigned client_version, bool bodyless,
                               std::optional<std::uint64_t> content_length, bool client_keep_alive,
                               bool draining) {
  ResponseFraming out;
  out.close_client = !client_keep_alive || draining;
  out.framing.content_length = content_length;
  if (!bodyless && !content_length) {
    if (client_version >= 11) {
      out.framing.chunked = true;
    } else {
      out.close_client = true;
    }
  }
  if (out.close_client) {
    out.connection = ConnectionDirective::close;
  } else if (client_version == 10) {
    out.connection = ConnectionDirective::keep_alive;
  }
  return out;
}

}  // namespace faultline::proxy
