// Bodies read as they arrive, in place, with chunk lines and trailers bounded.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/body_decoder.hpp"

namespace faultline::http {
namespace {

// Feeds `wire` in pieces of `piece` bytes; returns the body, or the error.
struct Decoded {
  std::string body;
  std::string error;
  std::size_t consumed = 0;
  bool done = false;
};

Decoded feed(BodyDecoder decoder, std::string wire, std::size_t piece) {
  Decoded result;
  std::size_t at = 0;
  while (at < wire.size() && !decoder.done() && !decoder.failed()) {
    std::string buffer = wire.substr(at, piece);
    const auto step = decoder.decode(buffer.data(), buffer.size());
    result.body.append(buffer.data(), step.data);
    at += step.consumed;
    if (step.consumed < buffer.size() && !decoder.done() && !decoder.failed()) {
      ADD_FAILURE() << "stopped early without being done";
      break;
    }
  }
  result.error = std::string(decoder.error());
  result.done = decoder.done();
  result.consumed = at;
  return result;
}

BodyDecoder chunked(std::size_t limit = 4096) {
  return BodyDecoder(BodyFraming::chunked, 0, limit);
}

TEST(BodyDecoder, ChunkedInEveryPieceSize) {
  const std::string wire =
      "5;name=value;q=\"a b\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\nNEXT";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    const auto result = feed(chunked(), wire, piece);
    EXPECT_TRUE(result.done) << piece << ": " << result.error;
    EXPECT_EQ(result.body, "hello world") << piece;
    EXPECT_EQ(result.consumed, wire.size() - 4) << "the next message is not consumed";
  }
}

TEST(BodyDecoder, SizedAndUntilClose) {
  auto sized = feed(BodyDecoder(BodyFraming::length, 5, 0), "helloNEXT", 3);
  EXPECT_TRUE(sized.done);
  EXPECT_EQ(sized.body, "hello");
  EXPECT_EQ(sized.consumed, 5u);
  BodyDecoder until_close(BodyFraming::until_close, 0, 0);
  std::string buffer = "all of it";
  EXPECT_EQ(until_close.decode(buffer.data(), buffer.size()).data, buffer.size());
  EXPECT_FALSE(until_close.done());
  until_close.end_of_input();
  EXPECT_TRUE(until_close.done());
  EXPECT_TRUE(BodyDecoder().done());
  EXPECT_TRUE(BodyDecoder(BodyFraming::length, 0, 0).done());
}

// A spliced stretch of a sized body is counted without being decoded; the rest decodes on.
TEST(BodyDecoder, SkippedBytesOfASizedBodyCountAsRead) {
  BodyDecoder sized(BodyFraming::length, 10, 0);
  std::string head_piece = "abc";
  EXPECT_EQ(sized.decode(head_piece.data(), head_piece.size()).data, 3u);
  sized.skip(5);
  EXPECT_EQ(sized.remaining(), 2u);
  EXPECT_FALSE(sized.done());
  std::string tail = "hiNEXT";
  const auto step = sized.decode(tail.data(), tail.size());
  EXPECT_EQ(step.consumed, 2u);
  EXPECT_TRUE(sized.done());
  BodyDecoder all(BodyFraming::length, 7, 0);
  all.skip(7);
  EXPECT_TRUE(all.done());
  BodyDecoder chunked(BodyFraming::chunked, 0, 64);
  chunked.skip(3);  // never spliced: left as it was
  EXPECT_FALSE(chunked.done());
}

TEST(BodyDecoder, AnEarlyCloseIsAnError) {
  BodyDecoder sized(BodyFraming::length, 10, 0);
  sized.end_of_input();
  EXPECT_TRUE(sized.failed());
  BodyDecoder chunks = chunked();
  chunks.end_of_input();
  EXPECT_TRUE(chunks.failed());
}

TEST(BodyDecoder, LongExtensionsAndTrailersAreCutAtTheLimit) {
  const auto extension =
      feed(chunked(64), "5;x=" + std::string(1000, 'a') + "\r\nhello\r\n0\r\n\r\n", 7);
  EXPECT_EQ(extension.error, "chunk-size line larger than max_header_bytes");
  EXPECT_LE(extension.consumed, 64u);
  std::string trailers;
  for (int i = 0; i < 10; ++i) trailers += "X-T: " + std::string(10, 't') + "\r\n";
  const auto trailer = feed(chunked(64), "0\r\n" + trailers + "\r\n", 5);
  EXPECT_EQ(trailer.error, "trailer section larger than max_header_bytes");
  EXPECT_TRUE(feed(chunked(64), "5;x=" + std::string(50, 'a') + "\r\nhello\r\n0\r\n\r\n", 3).done);
}

TEST(BodyDecoder, OnlyWhitespaceMayComeBetweenTheSizeAndItsExtensions) {
  for (const std::string wire : {"5 \r\nhello\r\n0\r\n\r\n", "5\t; x=1\r\nhello\r\n0 ;y\r\n\r\n"}) {
    const auto result = feed(chunked(), wire, 1);
    EXPECT_TRUE(result.done) << wire << ": " << result.error;
    EXPECT_EQ(result.body, "hello") << wire;
  }
}

TEST(BodyDecoder, MalformedChunks) {
  for (const std::string& wire :
       std::vector<std::string>{"x\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n", "5\r\nhello\r0",
                                "0\r\nX: 1\n\r\n", "1234567890abcdef0\r\n", ";x\r\n",
                                std::string("5\0\r\n", 4), "0x5\r\nhello\r\n0\r\n\r\n",
                                "5zz\r\nhello\r\n0\r\n\r\n", "5 z;x\r\nhello\r\n0\r\n\r\n"}) {
    const auto result = feed(chunked(), wire, 2);
    EXPECT_FALSE(result.error.empty()) << wire;
    EXPECT_FALSE(result.done) << wire;
  }
}

}  // namespace
}  // namespace faultline::http
