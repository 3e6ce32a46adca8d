#include "proxy/exchange_rules.hpp"

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

using metrics::UpstreamErrorReason;

TEST(ExchangeRules, EachUpstreamFailureHasItsStatusReasonAndMetric) {
  const std::string_view url = "http://127.0.0.1:9000";
  auto connect = answer_upstream_failure(UpstreamFailure::connect, url, "Connection refused");
  EXPECT_EQ(connect.status, 502u);
  EXPECT_EQ(connect.reason, "cannot connect to upstream http://127.0.0.1:9000: Connection refused");
  EXPECT_EQ(connect.metric, UpstreamErrorReason::connect);

  auto slow_accept = answer_upstream_failure(UpstreamFailure::connect_timeout, url, "");
  EXPECT_EQ(slow_accept.status, 504u);
  EXPECT_EQ(slow_accept.metric, UpstreamErrorReason::timeout);

  auto tls = answer_upstream_failure(UpstreamFailure::tls_handshake, "https://api:8443",
                                     "certificate verify failed: certificate has expired");
  EXPECT_EQ(tls.status, 502u);
  EXPECT_EQ(tls.reason,
            "TLS handshake with upstream https://api:8443 failed: certificate verify failed: "
            "certificate has expired");
  EXPECT_EQ(tls.metric, UpstreamErrorReason::connect);

  auto timeout = answer_upstream_failure(UpstreamFailure::timeout, url, "");
  EXPECT_EQ(timeout.status, 504u);
  EXPECT_EQ(timeout.reason, "upstream http://127.0.0.1:9000 did not answer within request_timeout");
  EXPECT_EQ(timeout.metric, UpstreamErrorReason::timeout);

  auto protocol = answer_upstream_failure(UpstreamFailure::protocol, url, "bad version");
  EXPECT_EQ(protocol.status, 502u);
  EXPECT_EQ(protocol.metric, UpstreamErrorReason::protocol);

  auto closed = answer_upstream_failure(UpstreamFailure::closed, url, "");
  EXPECT_EQ(closed.reason,
            "upstream http://127.0.0.1:9000 closed the connection without a response");
  EXPECT_EQ(closed.metric, UpstreamErrorReason::reset);

  auto broken = answer_upstream_failure(UpstreamFailure::broken, url, "Broken pipe");
  EXPECT_EQ(broken.reason, "upstream http://127.0.0.1:9000 failed: Broken pipe");
  EXPECT_EQ(broken.metric, UpstreamErrorReason::reset);
}

TEST(ExchangeRules, OnlyAStaleReusedConnectionThatTookNothingIsRetried) {
  const AttemptOutcome stale{true, false, false, false, true};
  EXPECT_TRUE(may_retry(stale, 1));
  EXPECT_TRUE(may_retry(stale, kMaxAttempts - 1));
  EXPECT_FALSE(may_retry(stale, kMaxAttempts)) << "bounded";

  auto fresh = stale;
  fresh.reused_connection = false;
  EXPECT_FALSE(may_retry(fresh, 1)) << "a new connection that fails is the upstream's answer";
  auto answered = stale;
  answered.response_started = true;
  EXPECT_FALSE(may_retry(answered, 1));
  auto uploaded = stale;
  uploaded.body_consumed = true;
  EXPECT_FALSE(may_retry(uploaded, 1)) << "the body cannot be read from the client twice";
  auto client_side = stale;
  client_side.client_failed = true;
  EXPECT_FALSE(may_retry(client_side, 1));
  auto other_error = stale;
  other_error.upstream_closed = false;
  EXPECT_FALSE(may_retry(other_error, 1)) << "a timeout is not a stale connection";
}

TEST(ExchangeRules, ResponseFramingFollowsTheClientsVersion) {
  // A known length passes through; keep-alive needs no directive for HTTP/1.1.
  auto sized = frame_response(11, false, 42, true, false);
  EXPECT_FALSE(sized.framing.chunked);
  EXPECT_EQ(sized.framing.content_length, 42u);
  EXPECT_EQ(sized.connection, ConnectionDirective::none);
  EXPECT_FALSE(sized.close_client);

  // Unknown length: chunked for HTTP/1.1, the close for HTTP/1.0.
  EXPECT_TRUE(frame_response(11, false, std::nullopt, true, false).framing.chunked);
  auto old_client = frame_response(10, false, std::nullopt, true, false);
  EXPECT_FALSE(old_client.framing.chunked);
  EXPECT_TRUE(old_client.close_client);
  EXPECT_EQ(old_client.connection, ConnectionDirective::close);

  // An HTTP/1.0 client that asked for keep-alive is told it got it.
  EXPECT_EQ(frame_response(10, false, 5, true, false).connection, ConnectionDirective::keep_alive);

  // Bodyless answers (HEAD, 204, 304) are never chunked.
  EXPECT_FALSE(frame_response(11, true, std::nullopt, true, false).framing.chunked);

  // A draining proxy or a client that asked to close: Connection: close.
  EXPECT_TRUE(frame_response(11, false, 5, true, true).close_client);
  EXPECT_EQ(frame_response(11, false, 5, false, false).connection, ConnectionDirective::close);
}

}  // namespace
}  // namespace faultline::proxy
