// Request targets (RFC 9112 §3.2): what is forwarded upstream, what routes match on, and
// which forms the proxy refuses.
#include "proxy/request_target.hpp"

#include <string>

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

RequestTarget parsed(std::string_view target) {
  auto result = parse_request_target(target);
  EXPECT_TRUE(result.has_value()) << "rejected: " << target;
  return result.value_or(RequestTarget{"<rejected>", "<rejected>", "<rejected>"});
}

bool rejected(std::string_view target) {
  return !parse_request_target(target).has_value();
}

TEST(RequestTarget, OriginFormIsForwardedAsIsAndRoutedWithoutTheQuery) {
  auto t = parsed("/api/users?id=7&sort=name");
  EXPECT_EQ(t.origin_form, "/api/users?id=7&sort=name");
  EXPECT_EQ(t.path, "/api/users");
  EXPECT_EQ(t.authority, "");

  auto root = parsed("/");
  EXPECT_EQ(root.origin_form, "/");
  EXPECT_EQ(root.path, "/");
}

TEST(RequestTarget, OriginFormWithEmptyQueryKeepsTheQuestionMarkUpstream) {
  auto t = parsed("/search?");
  EXPECT_EQ(t.origin_form, "/search?");
  EXPECT_EQ(t.path, "/search");
}

TEST(RequestTarget, QueryMayContainSlashesAndQuestionMarks) {
  auto t = parsed("/r?next=/a/b?c");
  EXPECT_EQ(t.origin_form, "/r?next=/a/b?c");
  EXPECT_EQ(t.path, "/r");
}

TEST(RequestTarget, AbsoluteFormLendsItsAuthorityAndIsRebuiltAsOriginForm) {
  auto t = parsed("http://api.test:8080/v1/items?page=2");
  EXPECT_EQ(t.authority, "api.test:8080");
  EXPECT_EQ(t.origin_form, "/v1/items?page=2");
  EXPECT_EQ(t.path, "/v1/items");

  auto tls = parsed("https://secure.test/login");
  EXPECT_EQ(tls.authority, "secure.test");
  EXPECT_EQ(tls.origin_form, "/login");
  EXPECT_EQ(tls.path, "/login");
}

TEST(RequestTarget, AbsoluteFormSchemeIsCaseInsensitive) {
  auto t = parsed("HTTP://Api.Test/x");
  EXPECT_EQ(t.authority, "Api.Test");  // case is left to host matching
  EXPECT_EQ(t.origin_form, "/x");
  EXPECT_EQ(parsed("HttpS://h/").authority, "h");
}

TEST(RequestTarget, AbsoluteFormWithoutPathMeansTheRootPath) {
  auto t = parsed("http://h");
  EXPECT_EQ(t.authority, "h");
  EXPECT_EQ(t.origin_form, "/");
  EXPECT_EQ(t.path, "/");

  EXPECT_EQ(parsed("https://h:8443").authority, "h:8443");
  EXPECT_EQ(parsed("https://h:8443").origin_form, "/");
}

TEST(RequestTarget, AbsoluteFormWithQueryButNoPathGetsTheRootPath) {
  auto t = parsed("http://h?q=1");
  EXPECT_EQ(t.authority, "h");
  EXPECT_EQ(t.origin_form, "/?q=1");
  EXPECT_EQ(t.path, "/");
}

TEST(RequestTarget, AbsoluteFormWithIpv6AuthorityKeepsTheBrackets) {
  auto t = parsed("http://[::1]:9000/x");
  EXPECT_EQ(t.authority, "[::1]:9000");
  EXPECT_EQ(t.origin_form, "/x");
}

TEST(RequestTarget, AsteriskFormIsAcceptedForOptions) {
  auto t = parsed("*");
  EXPECT_EQ(t.origin_form, "*");
  EXPECT_EQ(t.path, "*");
  EXPECT_EQ(t.authority, "");
}

TEST(RequestTarget, RejectsEmptyTarget) {
  EXPECT_TRUE(rejected(""));
}

TEST(RequestTarget, RejectsAuthorityFormUsedByConnect) {
  EXPECT_TRUE(rejected("example.com:443"));
  EXPECT_TRUE(rejected("[::1]:443"));
}

TEST(RequestTarget, RejectsUserinfoInTheAuthority) {
  // RFC 9110 §4.2.4: a sender must not send userinfo in an http(s) URI.
  EXPECT_TRUE(rejected("http://u@h/"));
  EXPECT_TRUE(rejected("http://user:secret@h/x"));
  EXPECT_TRUE(rejected("https://@h"));
}

TEST(RequestTarget, AtSignInThePathIsNotUserinfo) {
  EXPECT_EQ(parsed("http://h/users/@me").path, "/users/@me");
  EXPECT_EQ(parsed("/users/@me").path, "/users/@me");
}

TEST(RequestTarget, RejectsAbsoluteFormWithoutAuthority) {
  EXPECT_TRUE(rejected("http://"));
  EXPECT_TRUE(rejected("http:///x"));
  EXPECT_TRUE(rejected("https://?q"));
}

TEST(RequestTarget, RejectsSpacesAndControlCharacters) {
  EXPECT_TRUE(rejected("/a b"));
  EXPECT_TRUE(rejected("/a\tb"));
  EXPECT_TRUE(rejected("/a\r\nX-Injected: 1"));
  EXPECT_TRUE(rejected(std::string_view("/a\0b", 4)));
  EXPECT_TRUE(rejected("/a\x01"));
  EXPECT_TRUE(rejected("/a\x7f"));
  EXPECT_TRUE(rejected("http://h /x"));
  EXPECT_TRUE(rejected(" /x"));
}

TEST(RequestTarget, RejectsSchemesOtherThanHttpAndHttps) {
  EXPECT_TRUE(rejected("ftp://h/file"));
  EXPECT_TRUE(rejected("ws://h/socket"));
  EXPECT_TRUE(rejected("httpx://h/"));
  EXPECT_TRUE(rejected("http:/h/x"));  // one slash: not an absolute URI with an authority
  EXPECT_TRUE(rejected("**"));
  EXPECT_TRUE(rejected("?q"));
}

}  // namespace
}  // namespace faultline::proxy
