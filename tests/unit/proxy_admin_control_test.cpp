// The admin endpoints that switch faults live: what each answers, and that nothing
// changes without the token when one is set.
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "config/loader.hpp"
#include "metrics/proxy_metrics.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/admin_control.hpp"

namespace faultline::proxy {
namespace {

namespace json = boost::json;

std::shared_ptr<const config::Config> load(std::string_view token) {
  std::string text = "[admin]\ntoken = \"" + std::string(token) + R"("
[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"

[faults]
active_profile = "flaky"

[[faults.profiles.flaky]]
name = "errors"
abort = 503

[[faults.profiles.slow]]
name = "fixed"
delay = "100ms"
)";
  auto result = config::parse_config(text, "test.toml");
  EXPECT_TRUE(result.config.has_value());
  return std::make_shared<const config::Config>(std::move(*result.config));
}

// Records what the API asked for.
class FakeControl final : public AdminControl {
 public:
  explicit FakeControl(std::string_view token = "") : config(load(token)) {}
  FaultState fault_state() const override { return {config, active, enabled}; }
  bool switch_profile(std::string_view name) override {
    if (config->faults.find_profile(name) == nullptr) return false;
    active = name;
    return true;
  }
  void set_faults_enabled(bool on) override { enabled = on; }
  ReloadOutcome reload(std::string_view trigger) override {
    last_trigger = trigger;
    ++reloads;
    return next_reload;
  }

  std::shared_ptr<const config::Config> config;
  std::string active = "flaky";
  bool enabled = true;
  int reloads = 0;
  std::string last_trigger;
  ReloadOutcome next_reload;
};

struct Api {
  explicit Api(std::string_view token = "") : control(token), api(metrics, control) {}
  http::Response call(std::string method, std::string target, std::string body = "",
                      std::string authorization = "") {
    return api.handle(http::Request{std::move(method), std::move(target), std::move(authorization),
                                    std::move(body)});
  }
  metrics::ProxyMetrics metrics;
  FakeControl control;
  AdminApi api;
};

json::value body_of(const http::Response& response) {
  EXPECT_EQ(response.content_type, "application/json");
  return json::parse(response.body);
}

TEST(AdminControl, ProfilesListsEveryProfileWithItsRulesAndTheActiveOne) {
  Api api;
  auto response = api.call("GET", "/api/v1/profiles");
  ASSERT_EQ(response.status, 200u);
  const auto body = body_of(response);
  EXPECT_EQ(body.at("active").as_string(), "flaky");
  EXPECT_EQ(body.at("faults_enabled").as_bool(), true);
  const auto& profiles = body.at("profiles").as_array();
  ASSERT_EQ(profiles.size(), 3u);  // flaky, none, slow (sorted)
  EXPECT_EQ(profiles[0].at("name").as_string(), "flaky");
  EXPECT_TRUE(profiles[0].at("active").as_bool());
  EXPECT_EQ(profiles[0].at("rules").at(0).at("abort").at("status").as_int64(), 503);
  EXPECT_EQ(profiles[1].at("name").as_string(), "none");
  EXPECT_TRUE(profiles[1].at("rules").as_array().empty());
  EXPECT_EQ(profiles[2].at("rules").at(0).at("delay").at("value").as_string(), "100ms");
}

TEST(AdminControl, PutActiveSwitchesAndAnswersWithBothNames) {
  Api api;
  auto response = api.call("PUT", "/api/v1/profiles/active", R"({"name":"slow"})");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(api.control.active, "slow");
  const auto body = body_of(response);
  EXPECT_EQ(body.at("active").as_string(), "slow");
  EXPECT_EQ(body.at("previous").as_string(), "flaky");
}

TEST(AdminControl, PutActiveWithAnUnknownNameIs404AndListsTheProfiles) {
  Api api;
  auto response = api.call("PUT", "/api/v1/profiles/active", R"({"name":"slwo"})");
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(body_of(response).at("error").as_string(),
            "no profile named 'slwo'; the config has: flaky, none, slow");
  EXPECT_EQ(api.control.active, "flaky");
}

TEST(AdminControl, PutActiveWithABodyThatIsNotANameIs400) {
  Api api;
  for (const char* body : {"", "slow", "{", "[]", R"({"name":1})", R"({"profile":"slow"})"}) {
    auto response = api.call("PUT", "/api/v1/profiles/active", body);
    EXPECT_EQ(response.status, 400u) << body;
  }
  EXPECT_EQ(api.control.active, "flaky");
}

TEST(AdminControl, KillSwitchDisablesAndEnables) {
  Api api;
  auto off = api.call("POST", "/api/v1/faults/disable");
  EXPECT_EQ(off.status, 200u);
  EXPECT_FALSE(api.control.enabled);
  EXPECT_EQ(body_of(off).at("faults_enabled").as_bool(), false);
  auto on = api.call("POST", "/api/v1/faults/enable");
  EXPECT_EQ(on.status, 200u);
  EXPECT_TRUE(api.control.enabled);
}

TEST(AdminControl, ReloadReportsSuccessWithWarnings) {
  Api api;
  api.control.next_reload.warnings = {"server.listen changed: takes effect on restart only"};
  auto response = api.call("POST", "/api/v1/reload");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(api.control.reloads, 1);
  EXPECT_EQ(api.control.last_trigger, "admin API");
  const auto body = body_of(response);
  EXPECT_EQ(body.at("result").as_string(), "success");
  EXPECT_EQ(body.at("warnings").at(0).as_string(),
            "server.listen changed: takes effect on restart only");
}

TEST(AdminControl, RejectedReloadIs422WithEveryError) {
  Api api;
  api.control.next_reload.result = ReloadOutcome::Result::failure;
  api.control.next_reload.errors = {"f.toml:3:1: a: bad", "f.toml:9:5: b: worse"};
  auto response = api.call("POST", "/api/v1/reload");
  EXPECT_EQ(response.status, 422u);
  const auto body = body_of(response);
  EXPECT_EQ(body.at("result").as_string(), "failure");
  EXPECT_EQ(body.at("errors").as_array().size(), 2u);
  EXPECT_EQ(body.at("errors").at(1).as_string(), "f.toml:9:5: b: worse");
}

TEST(AdminControl, ReloadWithoutAFileIs409) {
  Api api;
  api.control.next_reload.result = ReloadOutcome::Result::no_file;
  EXPECT_EQ(api.call("POST", "/api/v1/reload").status, 409u);
}

TEST(AdminControl, MutatingEndpointsTakeOnlyTheirMethod) {
  Api api;
  EXPECT_EQ(api.call("POST", "/api/v1/profiles/active", R"({"name":"slow"})").allow, "PUT");
  EXPECT_EQ(api.call("GET", "/api/v1/faults/disable").allow, "POST");
  EXPECT_EQ(api.call("PUT", "/api/v1/reload").allow, "POST");
  EXPECT_EQ(api.call("POST", "/api/v1/profiles").allow, "GET, HEAD");
  EXPECT_EQ(api.control.active, "flaky");
  EXPECT_TRUE(api.control.enabled);
  EXPECT_EQ(api.control.reloads, 0);
}

TEST(AdminControl, WithATokenMutatingEndpointsNeedIt) {
  Api api("s3cret");
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"PUT", "/api/v1/profiles/active"},
      {"POST", "/api/v1/faults/disable"},
      {"POST", "/api/v1/reload"},
  };
  for (const auto& [method, path] : calls) {
    for (const char* authorization : {"", "s3cret", "Bearer", "Bearer ", "Bearer s3cre",
                                      "Bearer s3cret2", "Basic s3cret", "Bearer S3CRET"}) {
      auto response = api.call(method, path, R"({"name":"slow"})", authorization);
      EXPECT_EQ(response.status, 401u) << path << " with '" << authorization << "'";
      EXPECT_EQ(response.www_authenticate, "Bearer realm=\"faultline admin\"");
    }
  }
  EXPECT_EQ(api.control.active, "flaky");
  EXPECT_TRUE(api.control.enabled);
  EXPECT_EQ(api.control.reloads, 0);

  // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
  EXPECT_EQ(
      api.call("PUT", "/api/v1/profiles/active", R"({"name":"slow"})", "Bearer s3cret").status,
      200u);
  EXPECT_EQ(api.call("POST", "/api/v1/faults/disable", "", "bearer s3cret").status, 200u);
  EXPECT_EQ(api.call("POST", "/api/v1/reload", "", "BEARER  s3cret ").status, 200u);
}

TEST(AdminControl, WithATokenReadingEndpointsStayOpen) {
  Api api("s3cret");
  for (const char* path : {"/api/v1/profiles", "/api/v1/config", "/api/v1/stats", "/healthz"}) {
    EXPECT_EQ(api.call("GET", path).status, 200u) << path;
  }
}

TEST(AdminControl, ConfigShowsTheSwitchedProfileAndTheKillSwitch) {
  Api api("s3cret");
  api.control.active = "slow";
  api.control.enabled = false;
  auto response = api.call("GET", "/api/v1/config");
  ASSERT_EQ(response.status, 200u);
  const auto body = body_of(response);
  EXPECT_EQ(body.at("faults").at("active_profile").as_string(), "slow");
  EXPECT_EQ(body.at("faults").at("enabled").as_bool(), false);
  EXPECT_EQ(body.at("source").as_string(), "test.toml");
  EXPECT_EQ(body.at("admin").at("token").as_string(), "<redacted>");
  EXPECT_EQ(response.body.find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace faultline::proxy
