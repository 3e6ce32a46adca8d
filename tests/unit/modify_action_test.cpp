// The modify action end to end in pure code: read from TOML, written as JSON, composed
// into a plan, applied to a response head.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "config/config_json.hpp"
#include "config/loader.hpp"
#include "faults/plan.hpp"
#include "proxy/response_modify.hpp"

namespace faultline {
namespace {

constexpr std::string_view kRoute = R"(
[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
)";

config::LoadResult parse(std::string_view rule) {
  return config::parse_config(
      "[[faults.profiles.p]]\nname = \"m\"\n" + std::string(rule) + std::string(kRoute),
      "test.toml");
}

std::string only_error(std::string_view rule) {
  const auto result = parse(rule);
  EXPECT_EQ(result.errors.size(), 1u);
  return result.errors.empty() ? "" : result.errors.front().to_string();
}

TEST(ModifyAction, ReadsStatusHeadersRemovalsAndBody) {
  const auto result = parse(
      "modify = { status = 502, set_headers = { \"X-A\" = \"1\" }, remove_headers = [\"ETag\"], "
      "body = \"gone\" }\n");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  const auto& rule = result.config->faults.find_profile("p")->rules.at(0);
  const auto& modify = std::get<faults::Modify>(rule.action);
  EXPECT_EQ(modify.status, 502);
  EXPECT_EQ(modify.set_headers, (std::vector<std::pair<std::string, std::string>>{{"X-A", "1"}}));
  EXPECT_EQ(modify.remove_headers, std::vector<std::string>{"etag"});
  EXPECT_EQ(modify.body, "gone");
  EXPECT_EQ(boost::json::serialize(config::rule_json(rule)),
            R"({"name":"m","probability":1E0,"modify":{"status":502,"set_headers":{"X-A":"1"},)"
            R"("remove_headers":["etag"],"body":"gone"}})");
}

TEST(ModifyAction, MistakesArePlaced) {
  EXPECT_EQ(only_error("modify = {}\n"),
            "test.toml:3:10: faults.profiles.p[0].modify: modify changes nothing; add status, "
            "set_headers, remove_headers or body");
  EXPECT_EQ(only_error("modify = { status = 99 }\n"),
            "test.toml:3:21: faults.profiles.p[0].modify.status: must be between 200 and 599 (a "
            "final HTTP status)");
  EXPECT_EQ(only_error("modify = { set_headers = { \"content-length\" = \"1\" } }\n"),
            "test.toml:3:28: faults.profiles.p[0].modify.set_headers.content-length: is set by "
            "faultline from the body; leave it out");
  EXPECT_EQ(only_error("modify = { remove_headers = [\"a b\"] }\n"),
            "test.toml:3:30: faults.profiles.p[0].modify.remove_headers[0]: expected a header "
            "name like \"etag\"");
  EXPECT_EQ(only_error("modify = 502\n"),
            "test.toml:3:10: faults.profiles.p[0].modify: expected a table like { status = 502, "
            "set_headers = { \"x-a\" = \"1\" } }");
}

TEST(ModifyAction, LaterRulesWinAndATerminalDropsIt) {
  faults::FaultPlan plan;
  plan.add("a", faults::Modify{500, {{"x-a", "1"}, {"x-b", "1"}}, {}, "first"});
  plan.add("b", faults::Modify{std::nullopt, {{"X-A", "2"}}, {"x-b"}, std::nullopt});
  ASSERT_TRUE(plan.modify);
  EXPECT_EQ(plan.modify->status, 500);
  EXPECT_EQ(plan.modify->body, "first");
  EXPECT_EQ(plan.modify->set_headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-A", "2"}}));
  EXPECT_EQ(plan.modify->remove_headers, std::vector<std::string>{"x-b"});
  EXPECT_EQ(plan.applied.at(1).kind, "modify");
  EXPECT_EQ(plan.applied.at(1).phase, faults::Phase::response);
  EXPECT_EQ(plan.injected_header(), "a, b");

  plan.add("stop", faults::Abort{});
  EXPECT_FALSE(plan.modify) << "no upstream response will come to modify";
  EXPECT_EQ(plan.injected_header(), "stop");
}

TEST(ModifyAction, RewritesTheResponseHead) {
  faultline::proxy::ResponseHeader head;
  head.result(200);
  head.reason("Fine");
  head.set("ETag", "\"v1\"");
  head.set("x-keep", "1");
  proxy::apply_modify(faults::Modify{503, {{"retry-after", "2"}}, {"etag"}, std::nullopt}, head);
  EXPECT_EQ(head.result_int(), 503u);
  EXPECT_EQ(head.reason(), "Service Unavailable");
  EXPECT_EQ(head.count("etag"), 0u);
  EXPECT_EQ(head["retry-after"], "2");
  EXPECT_EQ(head["x-keep"], "1");
}

}  // namespace
}  // namespace faultline
