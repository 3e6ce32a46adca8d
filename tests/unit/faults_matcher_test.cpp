// Which requests a rule applies to: every condition that is set must hold.
#include "faults/matcher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace faultline::faults {
namespace {

using Kind = HeaderCondition::Kind;

struct Request {
  std::string method = "GET";
  std::string path = "/api/users";
  std::string host = "api.example.com";
  std::string route = "api";
  std::vector<Header> headers;

  RequestView view() const { return RequestView{method, path, host, route, headers}; }
};

PathRegex regex(std::string_view pattern) {
  std::string error;
  auto compiled = PathRegex::compile(pattern, error);
  EXPECT_TRUE(compiled.has_value()) << error;
  return compiled.value_or(PathRegex{});
}

TEST(FaultsMatcher, AnEmptyMatcherMatchesEveryRequest) {
  EXPECT_TRUE(Matcher{}.matches(Request{}.view()));
  EXPECT_TRUE(Matcher{}.matches(RequestView{}));
}

TEST(FaultsMatcher, PathPrefixMatchesTheStartOfThePath) {
  Matcher matcher;
  matcher.path_prefix = "/api";
  Request request;
  EXPECT_TRUE(matcher.matches(request.view()));
  request.path = "/api";
  EXPECT_TRUE(matcher.matches(request.view()));
  request.path = "/apis";  // a prefix of characters, as the route table's path_prefix
  EXPECT_TRUE(matcher.matches(request.view()));
  request.path = "/web/api";
  EXPECT_FALSE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, PathRegexSearchesThePathAndAnchorsWithCaret) {
  Matcher matcher;
  matcher.path_regex = regex("/v[0-9]+/");
  Request request;
  request.path = "/api/v2/users";
  EXPECT_TRUE(matcher.matches(request.view()));
  request.path = "/api/vx/users";
  EXPECT_FALSE(matcher.matches(request.view()));

  matcher.path_regex = regex("^/v[0-9]+/");
  request.path = "/api/v2/users";
  EXPECT_FALSE(matcher.matches(request.view()));
  request.path = "/v2/users";
  EXPECT_TRUE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, PathRegexThatDoesNotCompileSaysWhy) {
  std::string error;
  EXPECT_FALSE(PathRegex::compile("/api/(v1", error).has_value());
  EXPECT_EQ(error, "mismatched '(' and ')'");
  EXPECT_FALSE(PathRegex::compile("*api", error).has_value());
  EXPECT_EQ(error, "nothing to repeat before '*'");
  error.clear();
  EXPECT_FALSE(PathRegex::compile("/api/[v1", error).has_value());
  EXPECT_FALSE(error.empty());
}

TEST(FaultsMatcher, CopiesShareTheCompiledRegex) {
  Matcher matcher;
  matcher.path_regex = regex("^/api");
  const Matcher copy = matcher;
  EXPECT_EQ(copy.path_regex->compiled, matcher.path_regex->compiled);
  EXPECT_EQ(copy.path_regex->pattern, "^/api");
  EXPECT_TRUE(copy.matches(Request{}.view()));
}

TEST(FaultsMatcher, PathRegexCopesWithAHostileLongPath) {
  // A backtracking matcher recurses once per character here and overflows the stack long
  // before 64 KiB; paths are bounded by server.max_header_bytes (16 KiB by default).
  Matcher matcher;
  matcher.path_regex = regex("^/(a|b)*c$");
  Request request;
  request.path = "/" + std::string(64 * 1024, 'a') + "c";
  EXPECT_TRUE(matcher.matches(request.view()));
  request.path.back() = 'd';
  EXPECT_FALSE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, PathRegexRejectsBackReferences) {
  std::string error;
  EXPECT_FALSE(PathRegex::compile("^/(a+)/\\1$", error).has_value());
  EXPECT_EQ(error, "back-references are not supported (matching stays linear in the path length)");
}

TEST(FaultsMatcher, MethodsMatchAnyOfTheSetExactly) {
  Matcher matcher;
  matcher.methods = {"GET", "HEAD"};
  Request request;
  EXPECT_TRUE(matcher.matches(request.view()));
  request.method = "HEAD";
  EXPECT_TRUE(matcher.matches(request.view()));
  request.method = "POST";
  EXPECT_FALSE(matcher.matches(request.view()));
  request.method = "get";  // methods are case-sensitive (RFC 9110 §9.1)
  EXPECT_FALSE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, HeaderWithAValueMustBePresentWithExactlyThatValue) {
  Matcher matcher;
  matcher.headers = {{"x-tenant", Kind::equals, "test"}};
  Request request;
  EXPECT_FALSE(matcher.matches(request.view()));
  request.headers = {{"X-Tenant", "test"}};  // names ignore case
  EXPECT_TRUE(matcher.matches(request.view()));
  request.headers = {{"x-tenant", "Test"}};  // values do not
  EXPECT_FALSE(matcher.matches(request.view()));
  request.headers = {{"x-tenant", "prod"}, {"x-tenant", "test"}};  // any value of a repeat
  EXPECT_TRUE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, HeaderPresentOrAbsent) {
  Matcher present;
  present.headers = {{"x-debug", Kind::present, ""}};
  Matcher absent;
  absent.headers = {{"x-debug", Kind::absent, ""}};
  Request request;
  EXPECT_FALSE(present.matches(request.view()));
  EXPECT_TRUE(absent.matches(request.view()));
  request.headers = {{"X-DEBUG", ""}};  // present, even empty
  EXPECT_TRUE(present.matches(request.view()));
  EXPECT_FALSE(absent.matches(request.view()));
}

TEST(FaultsMatcher, EveryHeaderConditionMustHold) {
  Matcher matcher;
  matcher.headers = {{"x-tenant", Kind::equals, "test"}, {"x-debug", Kind::present, ""}};
  Request request;
  request.headers = {{"x-tenant", "test"}};
  EXPECT_FALSE(matcher.matches(request.view()));
  request.headers.push_back({"x-debug", "1"});
  EXPECT_TRUE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, HostIgnoresCaseAndPort) {
  Matcher matcher;
  matcher.host = "api.example.com";
  Request request;
  for (const char* host : {"api.example.com", "API.Example.COM", "api.example.com:8080"}) {
    request.host = host;
    EXPECT_TRUE(matcher.matches(request.view())) << host;
  }
  request.host = "web.example.com";
  EXPECT_FALSE(matcher.matches(request.view()));
  matcher.host = "::1";
  request.host = "[::1]:8080";
  EXPECT_TRUE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, RouteMatchesTheRouteName) {
  Matcher matcher;
  matcher.route = "api";
  Request request;
  EXPECT_TRUE(matcher.matches(request.view()));
  request.route = "web";
  EXPECT_FALSE(matcher.matches(request.view()));
}

TEST(FaultsMatcher, AllConditionsTogether) {
  Matcher matcher;
  matcher.path_prefix = "/api";
  matcher.path_regex = regex("/users$");
  matcher.methods = {"GET"};
  matcher.headers = {{"x-tenant", Kind::equals, "test"}};
  matcher.host = "api.example.com";
  matcher.route = "api";
  Request request;
  request.headers = {{"x-tenant", "test"}};
  EXPECT_TRUE(matcher.matches(request.view()));
  for (int broken = 0; broken < 6; ++broken) {
    Request other = request;
    if (broken == 0) other.path = "/web/users";
    if (broken == 1) other.path = "/api/users/1";
    if (broken == 2) other.method = "PUT";
    if (broken == 3) other.headers.clear();
    if (broken == 4) other.host = "other";
    if (broken == 5) other.route = "other";
    EXPECT_FALSE(matcher.matches(other.view())) << "condition " << broken;
  }
}

TEST(FaultsRequestView, HeaderLookupIgnoresCaseAndReturnsTheFirstValue) {
  const std::vector<Header> headers{{"Accept", "a"}, {"X-Tenant", "one"}, {"x-tenant", "two"}};
  const RequestView view{"GET", "/", "", "", headers};
  EXPECT_EQ(view.header("x-tenant"), "one");
  EXPECT_EQ(view.header("ACCEPT"), "a");
  EXPECT_FALSE(view.header("x-missing").has_value());
}

}  // namespace
}  // namespace faultline::faults
