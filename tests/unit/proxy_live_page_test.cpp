// The live page (GET /) and what it reads: the page is one self-contained document, and
// /api/v1/stats and /api/v1/reloads carry the cumulative numbers it turns into rates and
// percentiles in the browser.
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <regex>

#include "config/loader.hpp"
#include "metrics/proxy_metrics.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/admin_control.hpp"
#include "proxy/live_page.hpp"

namespace faultline::proxy {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

class PageControl final : public AdminControl {
 public:
  explicit PageControl(std::string_view token) {
    auto result = config::parse_config(
        "[admin]\ntoken = \"" + std::string(token) +
            "\"\n[[routes]]\nname = \"api\"\nupstream = \"http://127.0.0.1:9000\"\n",
        "test.toml");
    config = std::make_shared<const config::Config>(std::move(*result.config));
  }
  FaultState fault_state() const override { return {config, "none", enabled}; }
  bool switch_profile(std::string_view) override { return false; }
  void set_faults_enabled(bool on) override { enabled = on; }
  ReloadOutcome reload(std::string_view) override { return {}; }
  ReloadLog reloads() const override { return log; }

  std::shared_ptr<const config::Config> config;
  bool enabled = true;
  ReloadLog log;
};

http::Response get(const AdminApi& api, std::string target) {
  return api.handle(http::Request{"GET", std::move(target), "", ""});
}

TEST(LivePage, IsServedAtTheRootAsHtml) {
  const metrics::ProxyMetrics metrics;
  PageControl control("");
  const AdminApi api(metrics, control);
  const http::Response page = get(api, "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, live_page_html());
  EXPECT_EQ(api.handle(http::Request{"HEAD", "/", "", ""}).status, 200u);
  EXPECT_EQ(api.handle(http::Request{"POST", "/", "", ""}).status, 405u);
}

TEST(LivePage, IsOneSelfContainedSmallDocument) {
  const std::string page(live_page_html());
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  // The stylesheet and the script are inlined at build time: nothing else to fetch.
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), std::string::npos);
  EXPECT_EQ(page.find("<script src="), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_NE(page.find("/api/v1/stats?buckets=1"), std::string::npos);
  // No network beyond the admin listener itself: no absolute URL, no external font.
  EXPECT_FALSE(std::regex_search(page, std::regex("(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}")));
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("@font-face"), std::string::npos);
  EXPECT_LT(page.size(), 100u * 1024) << "HTML, CSS and JS together stay under 100 KiB";
}

TEST(LivePage, StatsCarryWhatThePageComputesRatesFrom) {
  metrics::ProxyMetrics metrics;
  PageControl control("secret");
  control.log.total = 3;
  const AdminApi api(metrics, control);
  auto& route = metrics.route("api");
  using metrics::Method;
  using metrics::Outcome;
  route.record_request(0, Method::get, 200, Outcome::ok, milliseconds(2), milliseconds(2));
  route.record_request(0, Method::get, 503, Outcome::ok, milliseconds(3), milliseconds(3));
  route.record_request(0, Method::get, 503, Outcome::injected, milliseconds(1), std::nullopt);
  route.record_request(0, Method::get, 0, Outcome::injected, milliseconds(1), std::nullopt);
  route.record_request(0, Method::get, 502, Outcome::upstream_error, milliseconds(1), std::nullopt);
  route.record_upstream_error(0, metrics::UpstreamErrorReason::connect);
  route.record_request(0, Method::get, 404, Outcome::ok, milliseconds(1), milliseconds(1));

  const json::value stats = json::parse(get(api, "/api/v1/stats").body);
  EXPECT_TRUE(stats.at("clock_seconds").is_double());
  EXPECT_EQ(stats.at("active_profile").as_string(), "none");
  EXPECT_EQ(stats.at("faults_enabled").as_bool(), true);
  EXPECT_EQ(stats.at("token_required").as_bool(), true);
  EXPECT_EQ(stats.at("reloads").to_number<int>(), 3);
  const json::object& api_route = stats.at("routes").as_array().at(0).as_object();
  EXPECT_EQ(api_route.at("route").as_string(), "api");
  EXPECT_EQ(json::serialize(api_route.at("errors")),
            R"({"upstream_5xx":1,"injected":2,"connect":1,"timeout":0,"reset":0,"protocol":0})");
  EXPECT_EQ(json::serialize(api_route.at("status")),
            R"({"none":1,"1xx":0,"2xx":1,"3xx":0,"4xx":1,"5xx":3})");
  EXPECT_FALSE(api_route.contains("request_duration_buckets")) << "only when asked for";
}

TEST(LivePage, BucketsOfTwoPollsSubtractIntoTheSecondBetweenThem) {
  metrics::ProxyMetrics metrics;
  PageControl control("");
  const AdminApi api(metrics, control);
  auto& route = metrics.route("api");
  auto buckets = [&] {
    const json::value stats = json::parse(get(api, "/api/v1/stats?x=y&buckets=1").body);
    std::map<std::int64_t, std::int64_t> out;
    for (const auto& pair :
         stats.at("routes").as_array().at(0).at("request_duration_buckets").as_array())
      out[pair.as_array().at(0).to_number<std::int64_t>()] =
          pair.as_array().at(1).to_number<std::int64_t>();
    return out;
  };
  for (int i = 0; i < 10; ++i)
    route.record_request(0, metrics::Method::get, 200, metrics::Outcome::ok, milliseconds(1),
                         std::nullopt);
  const auto first = buckets();
  for (int i = 0; i < 5; ++i)
    route.record_request(0, metrics::Method::get, 200, metrics::Outcome::ok, milliseconds(400),
                         std::nullopt);
  const auto second = buckets();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NEAR(static_cast<double>(first.begin()->first), 1000, 1000 * 0.032);
  EXPECT_EQ(first.begin()->second, 10);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second.begin()->second, 10) << "cumulative: the first poll's counts are still there";
  EXPECT_NEAR(static_cast<double>(second.rbegin()->first), 400'000, 400'000 * 0.032);
  EXPECT_EQ(second.rbegin()->second, 5);
}

TEST(LivePage, ReloadsListTheRecentOnesNewestFirst) {
  const metrics::ProxyMetrics metrics;
  PageControl control("");
  control.log.total = 7;
  control.log.recent.push_back(ReloadEvent{std::chrono::system_clock::from_time_t(1'800'000'000),
                                           "SIGHUP",
                                           false,
                                           {"f.toml:3:1: bad"},
                                           {}});
  control.log.recent.push_back(ReloadEvent{std::chrono::system_clock::from_time_t(1'799'999'000),
                                           "file change",
                                           true,
                                           {},
                                           {"server.threads changed"}});
  const AdminApi api(metrics, control);
  const http::Response response = get(api, "/api/v1/reloads");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(
      response.body,
      R"({"total":7,"recent":[)"
      R"({"at":"2027-01-15T08:00:00.000Z","trigger":"SIGHUP","result":"failure","errors":["f.toml:3:1: bad"],"warnings":[]},)"
      R"({"at":"2027-01-15T07:43:20.000Z","trigger":"file change","result":"success","errors":[],"warnings":["server.threads changed"]}]})"
      "\n");
  EXPECT_EQ(api.handle(http::Request{"POST", "/api/v1/reloads", "", ""}).status, 405u);
}

}  // namespace
}  // namespace faultline::proxy
