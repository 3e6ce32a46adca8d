// The small blocking HTTP/1.1 client of chaos experiments: reading an answer however it is
// framed, and reading the admin API's profile list.
#include <gtest/gtest.h>

#include "loadgen/admin_api_client.hpp"
#include "loadgen/blocking_http_client.hpp"

namespace faultline::loadgen {
namespace {

TEST(LoadgenAdminClient, AnswerWithContentLengthIsCompleteOnceTheBodyIsIn) {
  const std::string raw =
      "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\ncontent-length: 15\r\n"
      "\r\n{\"error\":\"no\"}\n";
  HttpAnswer answer;
  std::string error;
  EXPECT_EQ(parse_http_answer(raw.substr(0, raw.size() - 3), false, answer, error),
            ParseState::incomplete);
  ASSERT_EQ(parse_http_answer(raw, false, answer, error), ParseState::complete) << error;
  EXPECT_EQ(answer.status, 401u);
  EXPECT_EQ(answer.reason, "Unauthorized");
  EXPECT_EQ(answer.body, "{\"error\":\"no\"}\n");
}

TEST(LoadgenAdminClient, ChunkedAndCloseDelimitedBodies) {
  HttpAnswer answer;
  std::string error;
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n";
  ASSERT_EQ(parse_http_answer(chunked, false, answer, error), ParseState::complete) << error;
  EXPECT_EQ(answer.body, "abcdef");
  EXPECT_EQ(parse_http_answer(chunked.substr(0, chunked.size() - 2), false, answer, error),
            ParseState::incomplete);

  const std::string until_close = "HTTP/1.0 200 OK\r\n\r\nhello";
  EXPECT_EQ(parse_http_answer(until_close, false, answer, error), ParseState::incomplete);
  ASSERT_EQ(parse_http_answer(until_close, true, answer, error), ParseState::complete);
  EXPECT_EQ(answer.body, "hello");
}

TEST(LoadgenAdminClient, MalformedAnswersSayWhy) {
  HttpAnswer answer;
  std::string error;
  EXPECT_EQ(parse_http_answer("", true, answer, error), ParseState::malformed);
  EXPECT_EQ(error, "the connection closed without an answer");
  EXPECT_EQ(parse_http_answer("SSH-2.0-OpenSSH\r\n\r\n", false, answer, error),
            ParseState::malformed);
  EXPECT_EQ(error, "not an HTTP/1.x response");
  EXPECT_EQ(
      parse_http_answer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", true, answer, error),
      ParseState::malformed);
}

TEST(LoadgenAdminClient, ProfilesAnswerGivesTheActiveProfileAndTheKillSwitch) {
  FaultState state;
  std::vector<std::string> names;
  ASSERT_EQ(parse_profiles_answer(R"({"active":"spiky","faults_enabled":false,"profiles":[
      {"name":"none","active":false,"rules":[]},{"name":"spiky","active":true,"rules":[]}]})",
                                  state, names),
            "");
  EXPECT_EQ(state, (FaultState{"spiky", false}));
  EXPECT_EQ(names, (std::vector<std::string>{"none", "spiky"}));
  EXPECT_NE(parse_profiles_answer(R"({"status":"ok"})", state, names), "");
  EXPECT_NE(parse_profiles_answer("not json", state, names), "");
}

}  // namespace
}  // namespace faultline::loadgen
