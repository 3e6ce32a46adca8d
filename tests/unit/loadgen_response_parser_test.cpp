// The load generator's response framing: where a response ends, whatever the pieces the
// network delivers it in (RFC 9112 §6.3).
#include "loadgen/response_parser.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace faultline::loadgen {
namespace {

using Result = ResponseParser::Result;

// Feeds `wire` in pieces of `piece` bytes; returns the result of the last feed.
Result feed_in_pieces(ResponseParser& parser, const std::string& wire, std::size_t piece) {
  Result result = Result::need_more;
  for (std::size_t at = 0; at < wire.size() && result == Result::need_more; at += piece)
    result = parser.feed(wire.data() + at, std::min(piece, wire.size() - at));
  return result;
}

TEST(LoadgenResponseParser, ContentLengthResponseEndsAfterItsBodyInAnyPieces) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    ResponseParser parser;
    parser.reset();
    ASSERT_EQ(feed_in_pieces(parser, wire, piece), Result::done) << piece;
    EXPECT_EQ(parser.status(), 200);
    EXPECT_TRUE(parser.keep_alive());
    EXPECT_EQ(parser.consumed(), wire.size());
  }
}

TEST(LoadgenResponseParser, ChunkedResponseEndsAfterTheLastChunkAndTrailers) {
  const std::string wire =
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    ResponseParser parser;
    parser.reset();
    ASSERT_EQ(feed_in_pieces(parser, wire, piece), Result::done) << piece;
    EXPECT_EQ(parser.status(), 503);
    EXPECT_EQ(parser.consumed(), wire.size());
  }
}

TEST(LoadgenResponseParser, BodyWithoutLengthEndsAtCloseAndEndsKeepAlive) {
  ResponseParser parser;
  parser.reset();
  const std::string wire = "HTTP/1.1 200 OK\r\n\r\nsome body";
  EXPECT_EQ(parser.feed(wire.data(), wire.size()), Result::need_more);
  EXPECT_EQ(parser.feed_eof(), Result::done);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(LoadgenResponseParser, HeadAnd204And304HaveNoBody) {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
                           "HTTP/1.1 304 Not Modified\r\n\r\n"}) {
    ResponseParser parser;
    parser.reset();
    EXPECT_EQ(parser.feed(wire, std::strlen(wire)), Result::done) << wire;
  }
  ResponseParser parser;
  parser.reset(/*head_request=*/true);
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  EXPECT_EQ(parser.feed(wire.data(), wire.size()), Result::done);
}

TEST(LoadgenResponseParser, ConnectionHeaderAndHttp10DecideKeepAlive) {
  struct Case {
    const char* wire;
    bool keep_alive;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
  };
  for (const Case& c : cases) {
    ResponseParser parser;
    parser.reset();
    ASSERT_EQ(parser.feed(c.wire, std::strlen(c.wire)), Result::done) << c.wire;
    EXPECT_EQ(parser.keep_alive(), c.keep_alive) << c.wire;
  }
}

TEST(LoadgenResponseParser, InterimResponseIsSkipped) {
  ResponseParser parser;
  parser.reset();
  const std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(parser.feed(wire.data(), wire.size()), Result::done);
  EXPECT_EQ(parser.status(), 201);
}

TEST(LoadgenResponseParser, BadFramingIsAnError) {
  for (const char* wire : {"HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    ResponseParser parser;
    parser.reset();
    EXPECT_EQ(parser.feed(wire, std::strlen(wire)), Result::error) << wire;
  }
  ResponseParser parser;
  parser.reset();
  const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  parser.feed(partial.data(), partial.size());
  EXPECT_EQ(parser.feed_eof(), Result::error);
}

// RFC 9112 §6.3: a response with both framings may be a splitting attempt; it is an
// error, not a Content-Length response (found by fuzz_response_parser).
TEST(LoadgenResponseParser, TransferEncodingWithContentLengthIsAnError) {
  for (const char* wire :
       {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    ResponseParser parser;
    parser.reset();
    EXPECT_EQ(parser.feed(wire, std::strlen(wire)), Result::error) << wire;
    EXPECT_FALSE(parser.keep_alive());
  }
}

// A field name with a CR in it is no Content-Length, even where '-' would be (found by
// fuzz_response_parser: CR with bit 0x20 set is '-').
TEST(LoadgenResponseParser, FieldNameWithACarriageReturnIsNotContentLength) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent\rLength: 2\r\n\r\nok and more";
  ResponseParser parser;
  parser.reset();
  EXPECT_EQ(parser.feed(wire.data(), wire.size()), Result::need_more);  // until the close
  EXPECT_EQ(parser.feed_eof(), Result::done);
  EXPECT_EQ(parser.consumed(), wire.size());
}

}  // namespace
}  // namespace faultline::loadgen
