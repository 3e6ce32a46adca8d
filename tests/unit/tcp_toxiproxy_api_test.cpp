// The Toxiproxy API's answers (tcp/README.md) over a fake ListenerControl: status codes,
// bodies byte for byte, defaults, and what reaches the listeners and open connections.
#include "tcp/toxiproxy_api.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tcp/toxiproxy_file.hpp"

namespace faultline::tcp {
namespace {

class FakeListeners final : public ListenerControl {
 public:
  Result start(std::uint64_t id, const std::string& name, const std::string& listen,
               const std::string& upstream, Duration) override {
    if (listen == "127.0.0.1:1") return {"", "listen tcp 127.0.0.1:1: bind: permission denied"};
    ++starts;
    std::string address = listen;
    if (address == "localhost:0" || address == "127.0.0.1:0") {
      address = "127.0.0.1:" + std::to_string(next_port++);
    }
    if (address.starts_with("localhost:")) address = "127.0.0.1:" + address.substr(10);
    listening[id] = address;
    upstreams[id] = upstream;
    return {address, ""};
  }
  void stop(std::uint64_t id) override {
    ++stops;
    listening.erase(id);
  }
  void set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) override {
    chains[{id, stream}] = std::move(entries);
  }
  void forget(std::uint64_t id) override { forgotten.push_back(id); }
  Result resolve(const std::string& listen) override {
    if (listen.find(':') == std::string::npos)
      return {"", "address " + listen + ": missing port in address"};
    if (listen.starts_with("localhost:")) return {"127.0.0.1:" + listen.substr(10), ""};
    return {listen, ""};
  }

  std::map<std::uint64_t, std::string> listening;
  std::map<std::uint64_t, std::string> upstreams;
  std::map<std::pair<std::uint64_t, Stream>, std::vector<ChainEntry>> chains;
  std::vector<std::uint64_t> forgotten;
  int starts = 0;
  int stops = 0;
  int next_port = 40000;
};

struct Api {
  Api() : proxies(listeners), api(proxies, "2.12.0+faultline.test", [] { return "metrics\n"; }) {}
  http::Response call(std::string method, std::string target, std::string body = "",
                      std::string user_agent = "toxiproxy-cli") {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.user_agent = std::move(user_agent);
    return api.handle(request);
  }
  http::Response create(const std::string& name, const std::string& listen = "localhost:0") {
    return call(
        "POST", "/proxies",
        R"({"name":")" + name + R"(","listen":")" + listen + R"(","upstream":"127.0.0.1:6379"})");
  }
  const std::vector<ChainEntry>& chain(const std::string& proxy, Stream stream) {
    return listeners.chains[{proxies.find(proxy)->id, stream}];
  }
  FakeListeners listeners;
  ProxyCollection proxies;
  ToxiproxyApi api;
};

std::string error_body(const std::string& message, int status) {
  return R"({"error":")" + message + R"(","status":)" + std::to_string(status) + "}\n";
}

void expect_error(const http::Response& response, unsigned status, const std::string& message) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.body, error_body(message, static_cast<int>(status)));
  EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
}

TEST(ToxiproxyApi, CreateAnswers201WithTheBoundAddress) {
  Api api;
  const auto created = api.create("redis");
  EXPECT_EQ(created.status, 201u);
  EXPECT_EQ(created.content_type, "application/json");
  EXPECT_EQ(
      created.body,
      R"({"name":"redis","listen":"127.0.0.1:40000","upstream":"127.0.0.1:6379","enabled":true,"toxics":[]})");
  EXPECT_EQ(api.listeners.listening.size(), 1u);
}

TEST(ToxiproxyApi, CreateErrors) {
  Api api;
  api.create("redis");
  expect_error(api.create("redis"), 409, "proxy already exists");
  expect_error(api.call("POST", "/proxies", R"({"upstream":"x:1"})"), 400,
               "missing required field: name");
  expect_error(api.call("POST", "/proxies", R"({"name":"x"})"), 400,
               "missing required field: upstream");
  expect_error(api.call("POST", "/proxies", ""), 400, "bad request body: EOF");
  expect_error(api.call("POST", "/proxies", R"({"name":"x","upstream":"y:1","enabled":"yes"})"),
               400,
               "bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled "
               "of type bool");
  expect_error(api.create("denied", "127.0.0.1:1"), 500,
               "listen tcp 127.0.0.1:1: bind: permission denied");
  EXPECT_EQ(api.proxies.find("denied"), nullptr);
}

TEST(ToxiproxyApi, KeysAreMatchedIgnoringCaseAndTrailingTextIsIgnored) {
  Api api;
  EXPECT_EQ(api.call("POST", "/proxies",
                     R"({"Name":"a","UPSTREAM":"x:1","listen":"localhost:0"} trailing)")
                .status,
            201u);
  EXPECT_NE(api.proxies.find("a"), nullptr);
}

TEST(ToxiproxyApi, ListIsAnObjectSortedByName) {
  Api api;
  EXPECT_EQ(api.call("GET", "/proxies").body, "{}");
  api.create("b");
  api.create("a");
  const std::string body = api.call("GET", "/proxies").body;
  EXPECT_EQ(body.find("{\"a\":{\"name\":\"a\""), 0u);
  EXPECT_NE(body.find(",\"b\":{\"name\":\"b\""), std::string::npos);
}

TEST(ToxiproxyApi, DisableClosesAndEnableRebindsTheSameAddress) {
  Api api;
  api.create("db");
  const auto disabled = api.call("PATCH", "/proxies/db", R"({"enabled":false})");
  EXPECT_EQ(disabled.status, 200u);
  EXPECT_NE(disabled.body.find(
                "\"listen\":\"127.0.0.1:40000\",\"upstream\":\"127.0.0.1:6379\",\"enabled\":false"),
            std::string::npos);
  EXPECT_TRUE(api.listeners.listening.empty());
  const auto enabled = api.call("POST", "/proxies/db", R"({"enabled":true})");
  EXPECT_NE(enabled.body.find("\"listen\":\"127.0.0.1:40000\""), std::string::npos);
  EXPECT_EQ(api.listeners.starts, 2);
}

TEST(ToxiproxyApi, AnUpdateThatChangesNothingKeepsTheListener) {
  Api api;
  api.create("db", "localhost:26379");
  EXPECT_EQ(api.call("PATCH", "/proxies/db", R"({"listen":"localhost:26379"})").status, 200u);
  EXPECT_EQ(api.listeners.stops, 0);
  EXPECT_EQ(api.call("PATCH", "/proxies/db", R"({"upstream":"127.0.0.1:1"})").status, 200u);
  EXPECT_EQ(api.listeners.stops, 1);
  EXPECT_EQ(api.listeners.upstreams.begin()->second, "127.0.0.1:1");
}

TEST(ToxiproxyApi, DeleteAnswers204) {
  Api api;
  api.create("gone");
  const auto deleted = api.call("DELETE", "/proxies/gone");
  EXPECT_EQ(deleted.status, 204u);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(api.listeners.forgotten.size(), 1u);
  expect_error(api.call("DELETE", "/proxies/gone"), 404, "proxy not found");
  expect_error(api.call("GET", "/proxies/gone"), 404, "proxy not found");
}

TEST(ToxiproxyApi, ToxicDefaultsAndShape) {
  Api api;
  api.create("p");
  const auto added =
      api.call("POST", "/proxies/p/toxics", R"({"type":"latency","attributes":{"latency":40}})");
  EXPECT_EQ(added.status, 200u);
  EXPECT_EQ(
      added.body,
      R"({"attributes":{"latency":40,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1})");
  const auto& chain = api.chain("p", Stream::downstream);
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0].rule, "latency_downstream");
  EXPECT_EQ(chain[0].profile, "toxiproxy");
  EXPECT_EQ(
      std::get<DelayStage>(chain[0].settings).distribution,
      (faults::Distribution{faults::FixedDelay{std::chrono::milliseconds(40)}, std::nullopt}));
}

TEST(ToxiproxyApi, EveryToxicTypeBecomesItsStage) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"latency","stream":"upstream","attributes":{"latency":100,"jitter":10}})");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"bandwidth","stream":"upstream","attributes":{"rate":100}})");
  api.call(
      "POST", "/proxies/p/toxics",
      R"({"type":"slicer","stream":"upstream","attributes":{"average_size":64,"size_variation":8,"delay":250}})");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"timeout","stream":"upstream","attributes":{"timeout":0}})");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"reset_peer","stream":"upstream","attributes":{"timeout":30}})");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"limit_data","stream":"upstream","attributes":{"bytes":9}})");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"slow_close","stream":"upstream","attributes":{"delay":7}})");
  const auto& chain = api.chain("p", Stream::upstream);
  ASSERT_EQ(chain.size(), 7u);
  using std::chrono::milliseconds;
  EXPECT_EQ(std::get<DelayStage>(chain[0].settings).distribution.shape,
            (decltype(faults::Distribution::shape){
                faults::UniformDelay{milliseconds(90), milliseconds(110)}}));
  EXPECT_EQ(std::get<ThrottleStage>(chain[1].settings).bytes_per_second, 100'000u);
  EXPECT_EQ(std::get<SliceStage>(chain[2].settings), (SliceStage{64, 8, Duration(250)}));
  EXPECT_EQ(std::get<HangStage>(chain[3].settings).close_after, std::nullopt);
  EXPECT_EQ(std::get<ResetStage>(chain[4].settings).after, milliseconds(30));
  EXPECT_EQ(std::get<TruncateStage>(chain[5].settings).after_bytes, 9u);
  EXPECT_EQ(std::get<SlowCloseStage>(chain[6].settings).delay, milliseconds(7));
}

TEST(ToxiproxyApi, ToxicErrorsInToxiproxysOrder) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics", R"({"type":"latency"})");
  expect_error(api.call("POST", "/proxies/p/toxics", R"({"type":"latency"})"), 409,
               "toxic already exists");
  expect_error(api.call("POST", "/proxies/p/toxics", R"({"type":"nope","stream":"sideways"})"), 400,
               "stream was invalid, can be either upstream or downstream");
  expect_error(api.call("POST", "/proxies/p/toxics", R"({"type":"nope"})"), 400,
               "invalid toxic type");
  expect_error(api.call("POST", "/proxies/p/toxics",
                        R"({"type":"latency","name":"x","attributes":{"latency":1.5}})"),
               400,
               "bad request body: json: cannot unmarshal number 1.5 into Go struct field "
               "LatencyToxic.latency of type int64");
  expect_error(api.call("POST", "/proxies/q/toxics", R"({"type":"latency"})"), 404,
               "proxy not found");
  expect_error(api.call("GET", "/proxies/p/toxics/x"), 404, "toxic not found");
}

TEST(ToxiproxyApi, UpdateMergesAttributesAndBumpsTheVersion) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics",
           R"({"type":"latency","attributes":{"latency":40,"jitter":3}})");
  const std::uint64_t version = api.chain("p", Stream::downstream)[0].version;
  const auto updated =
      api.call("PATCH", "/proxies/p/toxics/latency_downstream",
               R"({"attributes":{"latency":50},"toxicity":0.5,"stream":"upstream"})");
  EXPECT_EQ(
      updated.body,
      R"({"attributes":{"latency":50,"jitter":3},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":0.5})");
  EXPECT_EQ(api.chain("p", Stream::downstream)[0].version, version + 1);
  EXPECT_EQ(api.chain("p", Stream::downstream)[0].toxicity, 0.5);
}

TEST(ToxiproxyApi, ListingShowsTheUpstreamChainFirst) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics", R"({"type":"noop"})");
  api.call("POST", "/proxies/p/toxics", R"({"type":"noop","stream":"upstream"})");
  EXPECT_EQ(
      api.call("GET", "/proxies/p/toxics").body,
      R"([{"attributes":{},"name":"noop_upstream","type":"noop","stream":"upstream","toxicity":1},)"
      R"({"attributes":{},"name":"noop_downstream","type":"noop","stream":"downstream","toxicity":1}])");
}

TEST(ToxiproxyApi, PopulateKeepsWhatDoesNotDifferAndReplacesWhatDoes) {
  Api api;
  const auto first = api.call("POST", "/populate",
                              R"([{"name":"a","listen":"localhost:26379","upstream":"u:1"}])");
  EXPECT_EQ(first.status, 201u);
  EXPECT_EQ(
      first.body,
      R"({"proxies":[{"name":"a","listen":"127.0.0.1:26379","upstream":"u:1","enabled":true,"toxics":[]}]})");
  api.call("POST", "/proxies/a/toxics", R"({"type":"noop"})");
  api.call("POST", "/populate", R"([{"name":"a","listen":"localhost:26379","upstream":"u:1"}])");
  EXPECT_EQ(api.listeners.starts, 1);
  EXPECT_EQ(api.proxies.find("a")->toxics[1].size(), 1u);
  api.call("POST", "/populate", R"([{"name":"a","listen":"localhost:26379","upstream":"u:2"}])");
  EXPECT_EQ(api.listeners.starts, 2);
  EXPECT_TRUE(api.proxies.find("a")->toxics[1].empty());
  EXPECT_EQ(api.call("POST", "/populate", "[]").body, R"({"proxies":null})");
}

TEST(ToxiproxyApi, PopulateErrorsCarryTheProxiesDone) {
  Api api;
  const auto missing =
      api.call("POST", "/populate", R"([{"name":"a","upstream":"u:1"},{"name":"b"}])");
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(
      missing.body,
      R"({"error":"missing required field: upstream at proxy 2","status":400,"proxies":null})");
  EXPECT_TRUE(api.proxies.proxies().empty());
  const auto bind = api.call(
      "POST", "/populate",
      R"([{"name":"a","listen":"localhost:0","upstream":"u:1"},{"name":"b","listen":"127.0.0.1:1","upstream":"u:1"}])");
  EXPECT_EQ(bind.status, 500u);
  EXPECT_NE(bind.body.find(R"("status":500,"proxies":[{"name":"a")"), std::string::npos);
}

TEST(ToxiproxyApi, ResetEnablesEverythingAndRemovesEveryToxic) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics", R"({"type":"latency"})");
  api.call("PATCH", "/proxies/p", R"({"enabled":false})");
  EXPECT_EQ(api.call("POST", "/reset").status, 204u);
  EXPECT_TRUE(api.proxies.find("p")->enabled);
  EXPECT_TRUE(api.chain("p", Stream::downstream).empty());
}

TEST(ToxiproxyApi, RouterAnswers) {
  Api api;
  EXPECT_EQ(api.call("GET", "/nothing").status, 404u);
  EXPECT_EQ(api.call("GET", "/nothing").body, "404 page not found\n");
  EXPECT_EQ(api.call("PUT", "/proxies").status, 405u);
  EXPECT_EQ(api.call("PUT", "/proxies").body, "");
  const auto browser = api.call("GET", "/proxies", "", "Mozilla/5.0");
  EXPECT_EQ(browser.status, 403u);
  EXPECT_EQ(browser.body, "User agent not allowed\n");
  const auto version = api.call("GET", "/version");
  EXPECT_EQ(version.body, "{\"version\": \"2.12.0+faultline.test\"}\n");
  EXPECT_EQ(version.content_type, "application/json;charset=utf-8");
  EXPECT_EQ(api.call("GET", "/metrics").body, "metrics\n");
}

TEST(ToxiproxyApi, NamesInPathsArePercentDecoded) {
  Api api;
  api.create("p");
  api.call("POST", "/proxies/p/toxics", R"({"type":"noop","name":"a b"})");
  EXPECT_EQ(api.call("GET", "/proxies/p/toxics/a%20b").status, 200u);
}

TEST(ToxiproxyApi, StringsAreEscapedAsGoDoes) {
  Api api;
  api.call("POST", "/proxies", R"({"name":"<a&b>","listen":"localhost:0","upstream":"u:1"})");
  EXPECT_NE(api.call("GET", "/proxies").body.find(R"("\u003ca\u0026b\u003e")"), std::string::npos);
}

TEST(ToxiproxyFile, CreatesTheProxiesAndTheirToxics) {
  Api api;
  const auto problems = load_toxiproxy_file(
      api.api, R"([{"name":"db","listen":"localhost:0","upstream":"127.0.0.1:5432",
                    "toxics":[{"type":"latency","attributes":{"latency":5}},
                              {"type":"latency","stream":"upstream","attributes":{"latency":5}}]},
                   {"name":"cache","listen":"localhost:0","upstream":"127.0.0.1:6379","enabled":false}])");
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(api.proxies.proxies().size(), 2u);
  EXPECT_EQ(api.chain("db", Stream::downstream).size(), 1u);
  EXPECT_EQ(api.chain("db", Stream::upstream).size(), 1u);
  EXPECT_FALSE(api.proxies.find("cache")->enabled);
}

TEST(ToxiproxyFile, ReportsWhatItCouldNotCreate) {
  Api api;
  const auto problems = load_toxiproxy_file(
      api.api,
      R"([{"name":"db","listen":"localhost:0","upstream":"u:1","toxics":[{"type":"quake"}]}])");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("invalid toxic type"), std::string::npos);
}

}  // namespace
}  // namespace faultline::tcp
