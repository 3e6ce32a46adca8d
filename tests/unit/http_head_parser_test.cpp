// The HTTP/1.1 head rules both sides of the proxy and the admin listener read through.
#include <gtest/gtest.h>

#include "http/head_parser.hpp"

namespace faultline::http {
namespace {

HeadResult request(std::string_view fields, std::string_view line = "POST /a HTTP/1.1") {
  static std::string text;
  text = std::string(line) + "\r\n" + std::string(fields) + "\r\n";
  return parse_head(text, HeadKind::request);
}

HeadResult response(std::string_view fields, std::string_view line = "HTTP/1.1 200 OK") {
  static std::string text;
  text = std::string(line) + "\r\n" + std::string(fields) + "\r\n";
  return parse_head(text, HeadKind::response);
}

unsigned status_of(const HeadResult& result) {
  if (const auto* error = std::get_if<HeadError>(&result)) return error->status;
  return 0;
}

// A copy: the result it comes from is a temporary. Its views point into the text of the
// last request() or response() call.
ParsedHead head_of(const HeadResult& result) {
  const auto* head = std::get_if<ParsedHead>(&result);
  EXPECT_NE(head, nullptr) << std::get<HeadError>(result).reason;
  return head ? *head : ParsedHead{};
}

TEST(FindHeadEnd, FindsTheEmptyLineAcrossReads) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";
  EXPECT_EQ(find_head_end(head.substr(0, 20)), std::string_view::npos);
  EXPECT_EQ(find_head_end(head.substr(0, 26), 20), std::string_view::npos);
  EXPECT_EQ(find_head_end(head, 26), head.size() - 4);
  EXPECT_EQ(find_head_end("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 22u);  // leading empty lines
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\n\n"), 16u);              // bare LFs end it too...
  EXPECT_EQ(status_of(parse_head("GET / HTTP/1.1\n\n", HeadKind::request)), 400u);  // ...refused
}

TEST(ParseHead, ReadsARequest) {
  const auto& head =
      head_of(request("Host: example.test\r\nX-A:  one two \r\n", "GET /x?y HTTP/1.0"));
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/x?y");
  EXPECT_EQ(head.version, 10u);
  ASSERT_EQ(head.fields.size(), 2u);
  EXPECT_EQ(head.fields[1].value, "one two");
  EXPECT_EQ(head.framing, BodyFraming::none);
  EXPECT_FALSE(head.keep_alive);  // HTTP/1.0 without keep-alive
  EXPECT_TRUE(head.has_host);
  EXPECT_EQ(head.field("x-a"), "one two");
}

TEST(ParseHead, ReadsAResponse) {
  const auto& head =
      head_of(response("Content-Length: 5\r\nConnection: close\r\n", "HTTP/1.1 404 Not Found"));
  EXPECT_EQ(head.status, 404u);
  EXPECT_EQ(head.reason, "Not Found");
  EXPECT_EQ(head.framing, BodyFraming::length);
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(head_of(response("", "HTTP/1.1 204")).status, 204u);  // no reason phrase
  EXPECT_EQ(head_of(response("")).framing, BodyFraming::until_close);
}

TEST(ParseHead, TransferEncodingMustEndInChunked) {
  EXPECT_EQ(status_of(request("Transfer-Encoding: chunked, identity\r\n")), 400u);
  EXPECT_EQ(status_of(request("Transfer-Encoding: xchunked\r\n")), 400u);
  EXPECT_EQ(status_of(request("Transfer-Encoding: gzip\r\n")), 400u);
  EXPECT_EQ(status_of(request("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n")),
            400u);
  EXPECT_EQ(status_of(request("Transfer-Encoding: chunked, chunked\r\n")), 400u);
  EXPECT_EQ(head_of(request("Transfer-Encoding: Chunked\r\n")).framing, BodyFraming::chunked);
}

TEST(ParseHead, OtherCodingsAre501ForRequestsAndRefusedFromUpstreams) {
  EXPECT_EQ(status_of(request("Transfer-Encoding: gzip, chunked\r\n")), 501u);
  EXPECT_EQ(status_of(request("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n")),
            501u);
  EXPECT_NE(status_of(response("Transfer-Encoding: gzip, chunked\r\n")), 0u);
  EXPECT_EQ(head_of(response("Transfer-Encoding: chunked\r\n")).framing, BodyFraming::chunked);
}

TEST(ParseHead, TransferEncodingWithContentLengthIsRefused) {
  EXPECT_EQ(status_of(request("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n")), 400u);
  EXPECT_NE(status_of(response("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")), 0u);
}

TEST(ParseHead, Http10WithTransferEncodingIsUsedOnceThenClosed) {
  const ParsedHead head = head_of(
      request("Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", "POST /once HTTP/1.0"));
  EXPECT_TRUE(head.close_after);
  EXPECT_TRUE(head.keep_alive);  // what the fields say; close_after overrides it
  EXPECT_FALSE(head_of(request("Transfer-Encoding: chunked\r\n")).close_after);
}

TEST(ParseHead, HostAndContentLength) {
  EXPECT_EQ(status_of(request("Host: a\r\nHost: a\r\n")), 400u);
  EXPECT_EQ(status_of(request("Host: a\r\nX: 1\r\nHost: b\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: 5\r\nContent-Length: 6\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: 5, 6\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: -1\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: 0x10\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length:\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length: 99999999999999999999\r\n")), 400u);
  EXPECT_EQ(head_of(request("Content-Length: 5, 5\r\n")).content_length, 5u);
  EXPECT_EQ(head_of(request("Content-Length: 5\r\nContent-Length: 5\r\n")).content_length, 5u);
}

TEST(ParseHead, FieldSyntaxErrors) {
  EXPECT_EQ(status_of(request("X-Folded: first\r\n second\r\n")), 400u);
  EXPECT_EQ(status_of(request("X-Folded: first\r\n\tsecond\r\n")), 400u);
  EXPECT_EQ(status_of(request("Content-Length : 2\r\n")), 400u);
  EXPECT_EQ(status_of(request(std::string("X-A: one\0two\r\n", 15))), 400u);
  EXPECT_EQ(status_of(request("X-A: one\rtwo\r\n")), 400u);
  EXPECT_EQ(status_of(request("X-A: one\nSet-Cookie: x=1\r\n")), 400u);
  EXPECT_EQ(status_of(request("No colon here\r\n")), 400u);
  EXPECT_EQ(status_of(request(": empty name\r\n")), 400u);
  EXPECT_EQ(head_of(request("X-Obs: caf\xc3\xa9\r\n")).fields[0].value, "caf\xc3\xa9");
}

TEST(ParseHead, StartLines) {
  EXPECT_EQ(status_of(request("", "GET  /a HTTP/1.1")), 400u);
  EXPECT_EQ(status_of(request("", "GET /a")), 400u);
  EXPECT_EQ(status_of(request("", "G(T /a HTTP/1.1")), 400u);
  EXPECT_EQ(status_of(request("", "GET /a HTTP/2.0")), 505u);
  EXPECT_EQ(head_of(request("", "GET /a HTTP/1.2")).version, 11u);
  EXPECT_NE(status_of(response("", "HTTP/1.1 2x0 OK")), 0u);
  EXPECT_NE(status_of(response("", "HTTP/1.1 099 Low")), 0u);
}

TEST(ParseHead, AHeadWithoutItsEmptyLineIsRefused) {
  EXPECT_EQ(status_of(parse_head("GET / HTTP/1.1\r\nHost: a\r\n", HeadKind::request)), 400u);
  EXPECT_EQ(status_of(parse_head("GET / HTTP/1.1\r\n", HeadKind::request)), 400u);
  EXPECT_EQ(status_of(parse_head("HTTP/1.1 200 OK\r\nServer: x\r\n", HeadKind::response)), 400u);
  EXPECT_EQ(status_of(parse_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", HeadKind::request)), 0u);
}

TEST(ParseHead, ReasonsNeverEchoUnboundedInput) {
  const auto result = request("X-" + std::string(100000, 'n') + " : v\r\n");
  ASSERT_EQ(status_of(result), 400u);
  EXPECT_LT(std::get<HeadError>(result).reason.size(), 200u);
}

}  // namespace
}  // namespace faultline::http
