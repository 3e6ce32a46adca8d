// [[tcp]] proxies, [toxiproxy] and TCP rules as users write them, the stages the rules
// become, and how a running set of TCP proxies follows a changed config.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "config/config_json.hpp"
#include "config/loader.hpp"
#include "tcp/configured_proxies.hpp"
#include "tcp/tcp_rules.hpp"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using config::LoadResult;

constexpr std::string_view kProxies = R"(
[[tcp]]
name = "postgres"
listen = "127.0.0.1:15432"
upstream = "127.0.0.1:5432"

[[tcp]]
name = "redis"
listen = "127.0.0.1:16379"
upstream = "localhost:6379"
enabled = false
connect_timeout = "500ms"
)";

LoadResult parse(std::string_view text) {
  return config::parse_config(std::string(kProxies) + std::string(text), "test.toml");
}

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const auto& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

std::string only_error(std::string_view text) {
  const LoadResult result = parse(text);
  EXPECT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(messages(result));
  return result.errors.empty() ? "" : result.errors.front().message;
}

config::Config loaded(std::string_view text) {
  LoadResult result = parse(text);
  EXPECT_TRUE(result.errors.empty()) << ::testing::PrintToString(messages(result));
  return result.config ? *result.config : config::Config{};
}

TEST(ConfigTcp, ProxiesLoadWithoutAnyRoute) {
  const config::Config config = loaded("");
  ASSERT_EQ(config.tcp.size(), 2u);
  EXPECT_EQ(config.tcp[0].name, "postgres");
  EXPECT_EQ(config.tcp[0].listen.port, 15432);
  EXPECT_EQ(config.tcp[0].upstream.host, "127.0.0.1");
  EXPECT_EQ(config.tcp[0].upstream.port, 5432);
  EXPECT_TRUE(config.tcp[0].enabled);
  EXPECT_EQ(config.tcp[0].connect_timeout, 2s);
  EXPECT_FALSE(config.tcp[1].enabled);
  EXPECT_EQ(config.tcp[1].connect_timeout, 500ms);
  EXPECT_FALSE(config.toxiproxy.enabled);
}

TEST(ConfigTcp, ProxyMistakesAreReportedAtTheirPlace) {
  EXPECT_EQ(
      only_error("[[tcp]]\nname = \"postgres\"\nlisten = \"127.0.0.1:1\"\nupstream = \"a:1\"\n"),
      "duplicate tcp proxy name 'postgres' (first defined at line 3)");
  EXPECT_EQ(only_error("[[tcp]]\nname = \"x\"\nlisten = \"127.0.0.1:15432\"\nupstream = \"a:1\"\n"),
            "address already used by the tcp proxy at line 4");
  EXPECT_EQ(only_error("[[tcp]]\nname = \"x\"\nlisten = \"127.0.0.1:0\"\nupstream = \"a:0\"\n"),
            "port 0 cannot be connected to");
  EXPECT_EQ(only_error("[[tcp]]\nname = \"x\"\nlisten = \"127.0.0.1:0\"\n"),
            "tcp proxy 'x' has no upstream");
  EXPECT_EQ(
      only_error(
          "[[tcp]]\nname = \"x\"\nlisten = \"127.0.0.1:0\"\nupstream = \"a:1\"\nlisten_port = 3\n"),
      "unknown key 'listen_port'");
}

TEST(ConfigTcp, ToxiproxyListen) {
  const config::Config config = loaded("[toxiproxy]\nlisten = \"127.0.0.1:8474\"\n");
  EXPECT_TRUE(config.toxiproxy.enabled);
  EXPECT_EQ(config.toxiproxy.listen.port, 8474);
}

TEST(ConfigTcp, TcpRulesLoadWithTheirStreamAndActions) {
  const config::Config config = loaded(R"(
[faults]
active_profile = "db"

[[faults.profiles.db]]
name = "db latency"
match = { tcp = "postgres" }
stream = "upstream"
probability = 0.5
delay = { distribution = "lognormal", median = "4ms", sigma = 0.5 }

[[faults.profiles.db]]
match = { tcp = "postgres" }
slice = { average_size = 64, size_variation = 16, delay = "1ms" }

[[faults.profiles.db]]
match = { tcp = "redis" }
slow_close = { delay = "2s" }

[[faults.profiles.db]]
match = { tcp = "redis" }
reset = { after = "250ms" }
)");
  const auto rules = tcp::tcp_rules(config, "db", true);
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].proxy, "postgres");
  EXPECT_EQ(rules[0].name, "db latency");
  EXPECT_EQ(rules[0].profile, "db");
  EXPECT_EQ(rules[0].stream, tcp::Stream::upstream);
  EXPECT_EQ(rules[0].probability, 0.5);
  EXPECT_TRUE(std::holds_alternative<tcp::DelayStage>(rules[0].settings));
  EXPECT_EQ(rules[1].stream, tcp::Stream::downstream);
  EXPECT_EQ(std::get<tcp::SliceStage>(rules[1].settings), (tcp::SliceStage{64, 16, 1ms}));
  EXPECT_EQ(std::get<tcp::SlowCloseStage>(rules[2].settings).delay, 2s);
  EXPECT_EQ(std::get<tcp::ResetStage>(rules[3].settings).after, 250ms);
  // The kill switch and the profile switch take them away.
  EXPECT_TRUE(tcp::tcp_rules(config, "db", false).empty());
  EXPECT_TRUE(tcp::tcp_rules(config, "none", true).empty());
  // And they show in the effective config.
  const auto json = config::config_json(config);
  const auto& first = json.at("faults").at("profiles").at("db").as_array()[0].as_object();
  EXPECT_EQ(first.at("match").at("tcp"), "postgres");
  EXPECT_EQ(first.at("stream"), "upstream");
}

TEST(ConfigTcp, EveryActionHasATcpMeaningOrIsRefusedOnATcpRule) {
  EXPECT_EQ(
      only_error(
          "[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\nabort = { status = 503 }\n"),
      "'abort' applies to HTTP rules only; a TCP rule takes delay, throttle, reset, hang, "
      "truncate, slice or slow_close");
  EXPECT_EQ(
      only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\ncorrupt = { bytes = 1 }\n")
          .substr(0, 30),
      "'corrupt' applies to HTTP rule");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\ndelay = { "
                       "distribution = \"fixed\", value = \"1ms\", phase = \"response\" }\n")
                .substr(0, 30),
            "phase applies to HTTP rules on");
  for (std::string_view action :
       {"delay = \"1ms\"", "throttle = { bytes_per_second = 100 }", "reset = true",
        "hang = { for = \"1s\" }", "truncate = { after_bytes = 10 }"}) {
    const auto rules =
        tcp::tcp_rules(loaded("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\n" +
                              std::string(action) + "\n"),
                       "p", true);
    ASSERT_EQ(rules.size(), 1u) << action;
    EXPECT_FALSE(std::holds_alternative<tcp::PassStage>(rules[0].settings)) << action;
  }
}

TEST(ConfigTcp, TcpOnlyKeysAndActionsAreRefusedOnHttpRules) {
  const std::string route = "[[routes]]\nname = \"api\"\nupstream = \"http://127.0.0.1:9000\"\n";
  EXPECT_EQ(only_error(route + "[[faults.profiles.p]]\nslice = { average_size = 10 }\n"),
            "'slice' applies to TCP rules only: add match = { tcp = \"<[[tcp]] name>\" }");
  EXPECT_EQ(only_error(route + "[[faults.profiles.p]]\nstream = \"upstream\"\ndelay = \"1ms\"\n"),
            "applies to TCP rules only (match = { tcp = ... })");
  EXPECT_EQ(only_error(route + "[[faults.profiles.p]]\nreset = { after = \"1s\" }\n").substr(0, 29),
            "after applies to TCP rules on");
}

TEST(ConfigTcp, TcpMatchMistakes) {
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgre\" }\ndelay = \"1ms\"\n"),
            "unknown tcp proxy 'postgre' (did you mean 'postgres'?)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\", path_prefix = \"/\" "
                       "}\ndelay = \"1ms\"\n"),
            "applies to HTTP rules only; this rule matches tcp = \"postgres\"");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\nstream = "
                       "\"sideways\"\ndelay = \"1ms\"\n"),
            "expected \"downstream\" (server to client) or \"upstream\" (client to server)");
  EXPECT_EQ(only_error("[[faults.profiles.p]]\nmatch = { tcp = \"postgres\" }\nslice = { "
                       "average_size = 4, size_variation = 4 }\n"),
            "must be smaller than average_size");
}

// ---- ConfiguredProxies ----

class Recorder final : public tcp::ListenerControl {
 public:
  Result start(std::uint64_t id, const std::string& name, const std::string& listen,
               const std::string& upstream, tcp::Duration) override {
    log.push_back("start " + name + " " + listen + " " + upstream);
    names[id] = name;
    return {listen, ""};
  }
  void stop(std::uint64_t id) override { log.push_back("stop " + names[id]); }
  void set_chain(std::uint64_t id, tcp::Stream stream,
                 std::vector<tcp::ChainEntry> entries) override {
    log.push_back("chain " + std::to_string(id) + " " + std::string(tcp::to_string(stream)) + " " +
                  std::to_string(entries.size()));
    chains[{id, stream}] = std::move(entries);
  }
  void forget(std::uint64_t id) override { log.push_back("forget " + names[id]); }
  Result resolve(const std::string& listen) override { return {listen, ""}; }

  std::vector<std::string> take() { return std::exchange(log, {}); }
  std::vector<std::string> log;
  std::map<std::uint64_t, std::string> names;
  std::map<std::pair<std::uint64_t, tcp::Stream>, std::vector<tcp::ChainEntry>> chains;
};

config::TcpProxyConfig proxy(std::string name, std::uint16_t port) {
  config::TcpProxyConfig p;
  p.name = std::move(name);
  p.listen = {"127.0.0.1", port};
  p.upstream = {"127.0.0.1", static_cast<std::uint16_t>(port + 1000)};
  return p;
}

tcp::TcpRule rule(std::string proxy, std::string name, tcp::StageSettings settings) {
  return tcp::TcpRule{std::move(proxy),   std::move(name), "p", tcp::Stream::downstream, 1.0,
                      std::move(settings)};
}

TEST(ConfiguredProxies, StartsStopsAndRestartsOnlyWhatChanged) {
  Recorder control;
  tcp::ConfiguredProxies proxies(control);
  proxies.apply({proxy("a", 1), proxy("b", 2)}, {});
  auto log = control.take();
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](auto& l) { return l.starts_with("start"); }),
            2);
  EXPECT_EQ(proxies.address("a"), "127.0.0.1:1");

  // The same again: nothing happens.
  proxies.apply({proxy("a", 1), proxy("b", 2)}, {});
  EXPECT_TRUE(control.take().empty());

  // b moves, c is new, a stays.
  proxies.apply({proxy("a", 1), proxy("b", 3), proxy("c", 4)}, {});
  log = control.take();
  EXPECT_NE(std::find(log.begin(), log.end(), "stop b"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "start b 127.0.0.1:3 127.0.0.1:1003"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "start c 127.0.0.1:4 127.0.0.1:1004"), log.end());
  EXPECT_EQ(std::find(log.begin(), log.end(), "stop a"), log.end());

  // c goes; a is disabled.
  auto disabled = proxy("a", 1);
  disabled.enabled = false;
  proxies.apply({disabled, proxy("b", 3)}, {});
  log = control.take();
  EXPECT_NE(std::find(log.begin(), log.end(), "stop c"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "forget c"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "stop a"), log.end());
  EXPECT_EQ(proxies.address("a"), "");
}

TEST(ConfiguredProxies, RulesBecomeChainsWithStableIdsAndNewVersionsWhenChanged) {
  Recorder control;
  tcp::ConfiguredProxies proxies(control);
  const tcp::StageSettings slow = tcp::DelayStage{{faults::FixedDelay{5ms}, std::nullopt}};
  const tcp::StageSettings slower = tcp::DelayStage{{faults::FixedDelay{9ms}, std::nullopt}};
  proxies.apply({proxy("db", 1)}, {rule("db", "lat", slow)});
  const auto first = control.chains.begin()->first.first;
  const tcp::ChainEntry before = control.chains[{first, tcp::Stream::downstream}].at(0);
  control.take();
  // Unchanged rules: no new chain reaches the connections.
  proxies.apply({proxy("db", 1)}, {rule("db", "lat", slow)});
  EXPECT_TRUE(control.take().empty());
  // Changed settings: same stage, new version (open connections roll again).
  proxies.apply({proxy("db", 1)}, {rule("db", "lat", slower)});
  const tcp::ChainEntry after = control.chains[{first, tcp::Stream::downstream}].at(0);
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.version, before.version + 1);
  control.take();
  // No rules (the kill switch): an empty chain, the listener untouched.
  proxies.apply({proxy("db", 1)}, {});
  const auto log = control.take();
  EXPECT_EQ(log, (std::vector<std::string>{"chain " + std::to_string(first) + " downstream 0"}));
}

}  // namespace
}  // namespace faultline
