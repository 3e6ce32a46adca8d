// GET /api/v1/config shows the config in the TOML's own terms, so what an operator reads
// can be compared with (and pasted back into) the file; the admin token never shows.
#include "config/config_json.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "config/loader.hpp"
#include "config/restart_settings.hpp"

namespace faultline::config {
namespace {

namespace json = boost::json;

Config load(std::string_view text) {
  auto result = parse_config(text, "test.toml");
  EXPECT_TRUE(result.errors.empty()) << (result.errors.empty() ? "" : result.errors[0].to_string());
  return result.config.value_or(Config{});
}

constexpr std::string_view kConfig = R"(
[server]
listen = "127.0.0.1:8080"
header_timeout = "1500ms"
max_body_bytes = "1MiB"

[admin]
token = "hunter2"

[[routes]]
name = "api"
path_prefix = "/api"
host = "api.test"
upstream = "http://127.0.0.1:9000"
request_timeout = "2s"

[faults]
active_profile = "flaky"
seed = 42

[[faults.profiles.flaky]]
name = "base latency"
match = { path_prefix = "/api", methods = ["GET"], headers = { "x-tenant" = "test", "x-debug" = true } }
delay = { distribution = "lognormal", median = "20ms", sigma = 0.5, max = "1s" }

[[faults.profiles.flaky]]
name = "errors"
probability = 0.25
abort = { status = 503, body = "injected", headers = { "retry-after" = "1" } }

[[faults.profiles.flaky]]
name = "stall"
probability = 0.01
hang = { for = "3s" }

[[faults.profiles.flaky]]
name = "slow body"
delay = { distribution = "uniform", min = "1ms", max = "5ms" }
)";

TEST(ConfigJson, ServerAndRoutesUseTheTomlKeysAndUnits) {
  const json::object out = config_json(load(kConfig));
  const auto& server = out.at("server").as_object();
  EXPECT_EQ(server.at("listen").as_string(), "127.0.0.1:8080");
  EXPECT_EQ(server.at("header_timeout").as_string(), "1500ms");
  EXPECT_EQ(server.at("max_body_bytes").as_uint64(), 1u << 20);
  const auto& route = out.at("routes").as_array().at(0).as_object();
  EXPECT_EQ(route.at("name").as_string(), "api");
  EXPECT_EQ(route.at("host").as_string(), "api.test");
  EXPECT_EQ(route.at("upstream").as_string(), "http://127.0.0.1:9000");
  EXPECT_EQ(route.at("request_timeout").as_string(), "2s");
}

TEST(ConfigJson, AdminTokenIsRedacted) {
  const json::object out = config_json(load(kConfig));
  EXPECT_EQ(out.at("admin").at("token").as_string(), "<redacted>");
  EXPECT_EQ(json::serialize(out).find("hunter2"), std::string::npos);
  const json::object no_token =
      config_json(load("[[routes]]\nname = \"a\"\nupstream = \"http://127.0.0.1:1\"\n"));
  EXPECT_EQ(no_token.at("admin").at("token").as_string(), "");
}

TEST(ConfigJson, RulesKeepTheirMatchProbabilityAndAction) {
  const json::object out = config_json(load(kConfig));
  const auto& faults = out.at("faults").as_object();
  EXPECT_EQ(faults.at("active_profile").as_string(), "flaky");
  EXPECT_EQ(faults.at("seed").as_uint64(), 42u);
  EXPECT_FALSE(faults.at("profiles").as_object().contains("none")) << "built in, not written";
  const auto& rules = faults.at("profiles").at("flaky").as_array();
  ASSERT_EQ(rules.size(), 4u);

  const auto& latency = rules[0].as_object();
  EXPECT_EQ(latency.at("name").as_string(), "base latency");
  EXPECT_EQ(latency.at("probability").as_double(), 1.0);
  EXPECT_EQ(latency.at("match").at("path_prefix").as_string(), "/api");
  EXPECT_EQ(latency.at("match").at("methods").as_array().at(0).as_string(), "GET");
  EXPECT_EQ(latency.at("match").at("headers").at("x-tenant").as_string(), "test");
  EXPECT_EQ(latency.at("match").at("headers").at("x-debug").as_bool(), true);
  const auto& delay = latency.at("delay").as_object();
  EXPECT_EQ(delay.at("distribution").as_string(), "lognormal");
  EXPECT_EQ(delay.at("median").as_string(), "20ms");
  EXPECT_EQ(delay.at("sigma").as_double(), 0.5);
  EXPECT_EQ(delay.at("max").as_string(), "1s");
  EXPECT_EQ(delay.at("phase").as_string(), "request");

  const auto& errors = rules[1].as_object();
  EXPECT_FALSE(errors.contains("match"));
  EXPECT_EQ(errors.at("probability").as_double(), 0.25);
  EXPECT_EQ(errors.at("abort").at("status").as_int64(), 503);
  EXPECT_EQ(errors.at("abort").at("body").as_string(), "injected");
  EXPECT_EQ(errors.at("abort").at("headers").at("retry-after").as_string(), "1");

  EXPECT_EQ(rules[2].at("hang").at("for").as_string(), "3s");
  EXPECT_EQ(rules[3].at("delay").at("min").as_string(), "1ms");
  EXPECT_EQ(rules[3].at("delay").at("max").as_string(), "5ms");
}

TEST(RestartSettings, NamesOnlyWhatARunningProcessCannotChange) {
  const Config running = load(kConfig);
  EXPECT_TRUE(changed_restart_settings(running, running).empty());

  Config loaded = running;
  loaded.routes[0].upstream.url = "http://127.0.0.1:9001";
  loaded.faults.active_profile = "none";
  loaded.server.header_timeout = std::chrono::seconds(3);
  EXPECT_TRUE(changed_restart_settings(running, loaded).empty()) << "all reloadable";

  loaded.server.listen.port = 8081;
  loaded.server.threads = 7;
  loaded.server.access_log = "-";
  loaded.admin.listen.host = "0.0.0.0";
  loaded.metrics.window = std::chrono::seconds(30);
  EXPECT_EQ(changed_restart_settings(running, loaded),
            (std::vector<std::string>{"server.listen", "server.threads", "server.access_log",
                                      "admin.listen", "metrics.window"}));
}

}  // namespace
}  // namespace faultline::config
