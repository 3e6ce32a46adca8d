// What the session makes of the heads it reads (proxy/message_rules.hpp): requests admitted
// or refused with their status, upstream heads interim, final or broken, body limits.
#include "proxy/message_rules.hpp"

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

RequestAdmission admit(std::string_view text, std::uint64_t max_body = 1024) {
  return admit_request_head(text, 16384, max_body);
}

TEST(MessageRules, AnAdmittedRequestKeepsItsHeadHostAndFraming) {
  const auto sized = admit("POST /up?x=1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\n");
  ASSERT_FALSE(sized.refusal);
  EXPECT_EQ(sized.head->method_string(), "POST");
  EXPECT_EQ(sized.target->origin_form, "/up?x=1");
  EXPECT_EQ(sized.target->path, "/up");
  EXPECT_EQ(sized.host, "a.test");
  EXPECT_TRUE(sized.keep_alive);
  EXPECT_FALSE(sized.framing.chunked);
  EXPECT_EQ(sized.framing.content_length, 5u);
  EXPECT_EQ(sized.body.remaining(), 5u);

  const auto chunked =
      admit("POST http://b.test/x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_FALSE(chunked.refusal);
  EXPECT_EQ(chunked.host, "b.test");  // the absolute form's authority
  EXPECT_TRUE(chunked.framing.chunked);
  EXPECT_FALSE(chunked.framing.content_length);
  EXPECT_EQ(chunked.body.framing(), http::BodyFraming::chunked);
}

TEST(MessageRules, Http10WithTransferEncodingIsServedThenClosed) {
  const auto once =
      admit("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_FALSE(once.refusal);
  EXPECT_FALSE(once.keep_alive);
  const auto kept = admit("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_FALSE(kept.refusal);
  EXPECT_TRUE(kept.keep_alive);
}

TEST(MessageRules, RefusedRequestsCarryTheirStatusAndWhatWasReadOfThem) {
  const auto malformed = admit("GET / HTTP/1.1\r\nHost : a\r\n\r\n");
  ASSERT_TRUE(malformed.refusal);
  EXPECT_EQ(malformed.refusal->status, 400u);
  EXPECT_FALSE(malformed.head);

  const auto large = admit("HEAD /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n");
  ASSERT_TRUE(large.refusal);
  EXPECT_EQ(large.refusal->status, 413u);
  EXPECT_EQ(large.refusal->reason, "request body larger than max_body_bytes (1024)");
  ASSERT_TRUE(large.head);  // a HEAD request's refusal is answered without a body
  EXPECT_EQ(large.head->method_string(), "HEAD");

  const auto connect = admit("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test\r\n\r\n");
  ASSERT_TRUE(connect.refusal);
  EXPECT_EQ(connect.refusal->status, 400u);
  EXPECT_EQ(connect.refusal->reason, "request target 'a.test:443' cannot be forwarded");
  EXPECT_FALSE(connect.target);

  const auto no_host = admit("GET /x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(no_host.refusal);
  EXPECT_EQ(no_host.refusal->reason, "HTTP/1.1 request without a Host header");
  ASSERT_TRUE(no_host.target);
  EXPECT_EQ(no_host.target->path, "/x");
  EXPECT_FALSE(admit("GET /x HTTP/1.0\r\n\r\n").refusal);  // HTTP/1.0 needs no Host
}

TEST(MessageRules, InterimResponsesAreNotFinal) {
  for (const char* text :
       {"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"}) {
    const auto interim = admit_response_head(text, false);
    EXPECT_TRUE(interim.protocol_error.empty());
    EXPECT_TRUE(interim.interim) << text;
  }
  const auto upgrade = admit_response_head("HTTP/1.1 101 Switching Protocols\r\n\r\n", false);
  EXPECT_FALSE(upgrade.interim);
  EXPECT_TRUE(upgrade.upstream.body.done());  // no body is read for it
}

TEST(MessageRules, AFinalResponseSaysHowItsBodyIsReadAndWhetherTheConnectionIsReused) {
  const auto sized = admit_response_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", false);
  EXPECT_FALSE(sized.interim);
  EXPECT_EQ(sized.upstream.head.result_int(), 200u);
  EXPECT_EQ(sized.upstream.declared_length, 3u);
  EXPECT_EQ(sized.upstream.body.remaining(), 3u);
  EXPECT_TRUE(sized.upstream.reusable);

  const auto to_head = admit_response_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", true);
  EXPECT_TRUE(to_head.upstream.body.done());
  EXPECT_EQ(to_head.upstream.declared_length, 3u);  // what HEAD's answer announces

  const auto until_close = admit_response_head("HTTP/1.1 200 OK\r\n\r\n", false);
  EXPECT_EQ(until_close.upstream.body.framing(), http::BodyFraming::until_close);
  EXPECT_FALSE(until_close.upstream.reusable);

  const auto closing =
      admit_response_head("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", false);
  EXPECT_TRUE(closing.upstream.body.done());
  EXPECT_FALSE(closing.upstream.reusable);
}

TEST(MessageRules, ABrokenResponseHeadIsAProtocolError) {
  const auto both = admit_response_head(
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", false);
  EXPECT_EQ(both.protocol_error, "Transfer-Encoding with Content-Length");
  EXPECT_FALSE(admit_response_head("HTTP/1.1 2x0 OK\r\n\r\n", false).protocol_error.empty());
}

TEST(MessageRules, BodylessResponses) {
  EXPECT_TRUE(response_is_bodyless(true, 200));
  EXPECT_TRUE(response_is_bodyless(false, 204));
  EXPECT_TRUE(response_is_bodyless(false, 304));
  EXPECT_FALSE(response_is_bodyless(false, 200));
}

TEST(MessageRules, ARequestBodyIsRefusedPastItsLimitOrWhenItsFramingBreaks) {
  EXPECT_FALSE(refuse_request_body("", 90, 10, 100));
  const auto large = refuse_request_body("", 90, 11, 100);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413u);
  const auto broken = refuse_request_body("malformed chunk size", 0, 0, 100);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400u);
  EXPECT_EQ(broken->reason, "malformed request body: malformed chunk size");
}

}  // namespace
}  // namespace faultline::proxy
