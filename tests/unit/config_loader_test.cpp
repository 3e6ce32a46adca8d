// faultline.toml as users write it: what loads, what each key means, and how every
// mistake is reported ("file:line:col: key.path: message").
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace faultline::config {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

constexpr std::string_view kRoute = R"([[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
)";

LoadResult parse(std::string_view text) {
  return parse_config(text, "test.toml");
}

// A config made of `text` plus a valid route, so that only `text`'s problems show.
LoadResult parse_with_route(std::string_view text) {
  return parse(std::string(text) + "\n" + std::string(kRoute));
}

Strings messages(const LoadResult& result) {
  Strings lines;
  for (const auto& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

// The one error of `result` (fails the test when there is not exactly one).
std::string only_error(const LoadResult& result) {
  EXPECT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(messages(result));
  return result.errors.empty() ? "" : result.errors.front().to_string();
}

Config loaded(const LoadResult& result) {
  EXPECT_TRUE(result.errors.empty()) << ::testing::PrintToString(messages(result));
  EXPECT_TRUE(result.config.has_value());
  return result.config.value_or(Config{});
}

std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("FAULTLINE_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

std::filesystem::path write_temp_file(const std::string& name, std::string_view content) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << content;
  return path;
}

// ---------------------------------------------------------------------------------------
// What loads

TEST(ConfigLoader, ARouteAloneLoadsWithDocumentedDefaults) {
  const Config config = loaded(parse(kRoute));
  EXPECT_EQ(config.source, "test.toml");
  EXPECT_EQ(config.server.listen.host, "0.0.0.0");
  EXPECT_EQ(config.server.listen.port, 8080);
  EXPECT_EQ(config.server.threads, 0u);
  EXPECT_EQ(config.server.header_timeout, 10s);
  EXPECT_EQ(config.server.idle_timeout, 60s);
  EXPECT_EQ(config.server.drain_timeout, 30s);
  EXPECT_EQ(config.server.max_header_bytes, 16384u);
  EXPECT_EQ(config.server.max_body_bytes, 64u << 20);
  EXPECT_EQ(config.server.access_log, "");
  EXPECT_EQ(config.admin.listen.host, "127.0.0.1");
  EXPECT_EQ(config.admin.listen.port, 9901);
  EXPECT_EQ(config.admin.token, "");
  ASSERT_EQ(config.routes.size(), 1u);
  const RouteConfig& route = config.routes[0];
  EXPECT_EQ(route.name, "api");
  EXPECT_EQ(route.path_prefix, "/");
  EXPECT_EQ(route.host, "");
  EXPECT_EQ(route.upstream.url, "http://127.0.0.1:9000");
  EXPECT_EQ(route.upstream.host, "127.0.0.1");
  EXPECT_EQ(route.upstream.port, 9000);
  EXPECT_EQ(route.connect_timeout, 2s);
  EXPECT_EQ(route.request_timeout, 30s);
  EXPECT_EQ(route.max_idle_connections, 64u);
  EXPECT_EQ(config.faults.active_profile, "none");
  EXPECT_EQ(config.faults.seed, 0u);
  EXPECT_FALSE(config.faults.header_control);
  EXPECT_EQ(config.faults.max_active_faults, 0u);
  EXPECT_EQ(config.faults.profile_names, Strings{"none"});
}

TEST(ConfigLoader, TheSpecExampleLoads) {
  const Config config = loaded(parse(R"(
[server]
listen = "0.0.0.0:8080"
threads = 0                    # 0 = one per core
header_timeout = "10s"         # slowloris guard
idle_timeout = "60s"
max_header_bytes = 16384
max_body_bytes = "64MiB"

[admin]
listen = "127.0.0.1:9901"      # /metrics, /healthz, /readyz, /api/v1/...
token = ""                     # when set, mutating endpoints need "Authorization: Bearer <token>"

[[routes]]
name = "api"
path_prefix = "/"              # longest prefix wins; optional host = "..."
upstream = "http://127.0.0.1:9000"
connect_timeout = "2s"
request_timeout = "30s"

[faults]
active_profile = "flaky"
seed = 0                       # 0 = random; any other value makes decisions reproducible
header_control = false         # when true, x-faultline-* request headers may force faults per request
max_active_faults = 0          # 0 = no cap on faults in progress at once

[[faults.profiles.flaky]]      # rules of profile "flaky", evaluated in order, each independently
name = "base latency"
match = { path_prefix = "/api", methods = ["GET"], headers = { "x-tenant" = "test" } }
probability = 1.0
delay = { distribution = "normal", mean = "40ms", stddev = "10ms" }

[[faults.profiles.flaky]]
name = "jitter spikes"
probability = 0.05
delay = { distribution = "uniform", min = "200ms", max = "700ms" }

[[faults.profiles.flaky]]
name = "errors"
probability = 0.02
abort = { status = 503, body = "injected by faultline" }
)"));
  EXPECT_EQ(config.server.max_body_bytes, 64u << 20);
  EXPECT_EQ(config.routes.at(0).name, "api");
  EXPECT_EQ(config.faults.active_profile, "flaky");
  EXPECT_EQ(config.faults.profile_names, (Strings{"flaky", "none"}));
}

TEST(ConfigLoader, TheExampleFileIsTheDemoConfigAndLoadsCleanly) {
  const auto path = source_dir() / "deploy" / "faultline.example.toml";
  const Config config = loaded(load_config_file(path.string()));
  EXPECT_EQ(config.source, path.string());
  EXPECT_EQ(config.server.listen.host, "127.0.0.1");
  EXPECT_EQ(config.server.listen.port, 8080);
  EXPECT_EQ(config.admin.listen.host, "127.0.0.1");
  EXPECT_EQ(config.admin.listen.port, 9901);
  ASSERT_EQ(config.routes.size(), 1u);
  EXPECT_EQ(config.routes[0].name, "echo");
  EXPECT_EQ(config.routes[0].path_prefix, "/");
  EXPECT_EQ(config.routes[0].upstream.host, "127.0.0.1");
  EXPECT_EQ(config.routes[0].upstream.port, 9000);
  EXPECT_EQ(config.faults.active_profile, "none");
  EXPECT_EQ(config.faults.profile_names,
            (Strings{"flaky", "maintenance", "none", "slow", "spiky"}));
}

TEST(ConfigLoader, EveryKeyIsReadIntoTheSnapshot) {
  const Config config = loaded(parse(R"(
[server]
listen = "[::1]:0"
threads = 4
header_timeout = "1.5s"
idle_timeout = "2m"
drain_timeout = "250ms"
max_header_bytes = "32KiB"
max_body_bytes = 1048576
access_log = "-"

[admin]
listen = "localhost:9999"
token = "s3cret"

[[routes]]
name = "api"
path_prefix = "/api"
host = "API.Example.com"
upstream = "http://backend"
connect_timeout = "500ms"
request_timeout = "1m"
max_idle_connections = 0

[faults]
active_profile = "slow"
seed = 42
header_control = true
max_active_faults = 10

[[faults.profiles.slow]]
delay = "100ms"
)"));
  EXPECT_EQ(config.server.listen.host, "::1");
  EXPECT_EQ(config.server.listen.port, 0);
  EXPECT_EQ(config.server.threads, 4u);
  EXPECT_EQ(config.server.header_timeout, 1500ms);
  EXPECT_EQ(config.server.idle_timeout, 2min);
  EXPECT_EQ(config.server.drain_timeout, 250ms);
  EXPECT_EQ(config.server.max_header_bytes, 32u * 1024);
  EXPECT_EQ(config.server.max_body_bytes, 1048576u);
  EXPECT_EQ(config.server.access_log, "-");
  EXPECT_EQ(config.admin.listen.host, "localhost");
  EXPECT_EQ(config.admin.listen.port, 9999);
  EXPECT_EQ(config.admin.token, "s3cret");
  const RouteConfig& route = config.routes.at(0);
  EXPECT_EQ(route.path_prefix, "/api");
  EXPECT_EQ(route.host, "api.example.com");  // Host matching ignores case
  EXPECT_EQ(route.upstream.host, "backend");
  EXPECT_EQ(route.upstream.port, 80);
  EXPECT_EQ(route.connect_timeout, 500ms);
  EXPECT_EQ(route.request_timeout, 1min);
  EXPECT_EQ(route.max_idle_connections, 0u);
  EXPECT_EQ(config.faults.active_profile, "slow");
  EXPECT_EQ(config.faults.seed, 42u);
  EXPECT_TRUE(config.faults.header_control);
  EXPECT_EQ(config.faults.max_active_faults, 10u);
}

TEST(ConfigLoader, ConfigIsSetExactlyWhenThereAreNoErrors) {
  const LoadResult good = parse(kRoute);
  EXPECT_TRUE(good.config.has_value());
  EXPECT_TRUE(good.errors.empty());
  const LoadResult bad = parse_with_route("[server]\nthreads = -1\n");
  EXPECT_FALSE(bad.config.has_value());
  EXPECT_FALSE(bad.errors.empty());
}

// ---------------------------------------------------------------------------------------
// How mistakes are reported

TEST(ConfigLoader, UnknownKeyReportsFileLineColumnAndSuggestion) {
  const LoadResult result = parse_with_route(R"([server]
listn = "127.0.0.1:8080"
)");
  EXPECT_EQ(only_error(result),
            "test.toml:2:1: server.listn: unknown key 'listn' (did you mean 'listen'?)");
  const Diagnostic& error = result.errors.at(0);
  EXPECT_EQ(error.source, "test.toml");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 1);
  EXPECT_EQ(error.key_path, "server.listn");
  EXPECT_EQ(error.message, "unknown key 'listn' (did you mean 'listen'?)");
}

TEST(ConfigLoader, UnknownKeyFarFromEveryKnownKeyGetsNoSuggestion) {
  EXPECT_EQ(only_error(parse_with_route("[admin]\nfrobnicate = true\n")),
            "test.toml:2:1: admin.frobnicate: unknown key 'frobnicate'");
}

TEST(ConfigLoader, UnknownTableIsReportedAtItsHeader) {
  EXPECT_EQ(only_error(parse_with_route("[servr]\nlisten = \"127.0.0.1:8080\"\n")),
            "test.toml:1:2: servr: unknown key 'servr' (did you mean 'server'?)");
}

TEST(ConfigLoader, UnknownKeysAreReportedInRoutesAndFaultsToo) {
  const LoadResult result = parse(R"([[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
timeout = "5s"

[faults]
seeed = 1
)");
  EXPECT_EQ(messages(result), (Strings{
                                  "test.toml:4:1: routes[0].timeout: unknown key 'timeout'",
                                  "test.toml:7:1: faults.seeed: unknown key 'seeed' (did you "
                                  "mean 'seed'?)",
                              }));
}

TEST(ConfigLoader, KeysThatAreNotBareAreQuotedInKeyPaths) {
  EXPECT_EQ(only_error(parse_with_route("[server]\n\"max body\" = 1\n")),
            "test.toml:2:1: server.\"max body\": unknown key 'max body'");
}

TEST(ConfigLoader, WrongTypesSayWhatWasExpected) {
  const LoadResult result = parse(R"([server]
listen = 8080
threads = "4"
idle_timeout = 60
max_body_bytes = true

[admin]
token = 1234

[faults]
header_control = "yes"
seed = 1.5

[[routes]]
name = ["api"]
upstream = "http://127.0.0.1:9000"
)");
  EXPECT_EQ(messages(result),
            (Strings{
                "test.toml:2:10: server.listen: expected a string",
                "test.toml:3:11: server.threads: expected an integer",
                "test.toml:4:16: server.idle_timeout: expected a duration like \"40ms\" (a string "
                "with a unit: us, ms, s or m)",
                "test.toml:5:18: server.max_body_bytes: expected a size like 65536 or \"64KiB\"",
                "test.toml:8:9: admin.token: expected a string",
                "test.toml:11:18: faults.header_control: expected true or false",
                "test.toml:12:8: faults.seed: expected an integer",
                "test.toml:15:8: routes[0].name: expected a string",
            }));
}

TEST(ConfigLoader, TablesOfTheWrongShapeAreReported) {
  EXPECT_EQ(only_error(parse_with_route("server = \"0.0.0.0:8080\"\n")),
            "test.toml:1:10: server: expected a table");
  EXPECT_EQ(only_error(parse("[routes]\nname = \"api\"\n")),
            "test.toml:1:1: routes: expected an array of tables ([[routes]])");
  EXPECT_EQ(only_error(parse("routes = [\"api\"]\n")),
            "test.toml:1:11: routes[0]: expected a table ([[routes]])");
}

TEST(ConfigLoader, ErrorsAreAllCollectedAndOrderedByLine) {
  // The tables are read in a fixed order (server, admin, routes, faults) and their keys
  // alphabetically; the report still follows the file.
  const LoadResult result = parse(R"([faults]
active_profile = "missing"

[[routes]]
name = "api"
upstream = "ftp://example.com"

[server]
threads = 5000
header_timeout = "0s"
listen = "nowhere"
)");
  const Strings lines = messages(result);
  ASSERT_EQ(lines.size(), 5u) << ::testing::PrintToString(lines);
  std::vector<int> line_numbers;
  for (const auto& error : result.errors) line_numbers.push_back(error.line);
  EXPECT_EQ(line_numbers, (std::vector<int>{2, 6, 9, 10, 11}));
  EXPECT_EQ(lines[0],
            "test.toml:2:18: faults.active_profile: unknown profile 'missing' (profiles: none)");
  EXPECT_EQ(lines[1],
            "test.toml:6:12: routes[0].upstream: unsupported scheme 'ftp'; use http:// or "
            "https://");
  EXPECT_EQ(lines[2], "test.toml:9:11: server.threads: must be between 0 and 1024");
  EXPECT_EQ(lines[3], "test.toml:10:18: server.header_timeout: must be greater than 0");
  EXPECT_EQ(lines[4],
            "test.toml:11:10: server.listen: missing port: expected \"host:port\", e.g. "
            "\"127.0.0.1:8080\"");
}

TEST(ConfigLoader, SyntaxErrorIsTheOnlyErrorReported) {
  const LoadResult result = parse("[server]\nthreads = \nbogus = 1\n");
  ASSERT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(messages(result));
  const Diagnostic& error = result.errors[0];
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 11);
  EXPECT_EQ(error.key_path, "");
  EXPECT_FALSE(error.message.empty());
  EXPECT_EQ(error.to_string(), "test.toml:2:11: " + error.message);
  EXPECT_FALSE(result.config.has_value());
}

TEST(ConfigLoader, DuplicateKeyIsASyntaxError) {
  const LoadResult result = parse_with_route("[server]\nthreads = 1\nthreads = 2\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 3);
}

TEST(Diagnostic, ToStringLeavesOutWhatIsMissing) {
  EXPECT_EQ((Diagnostic{"f.toml", 3, 7, "server.listen", "expected a string"}.to_string()),
            "f.toml:3:7: server.listen: expected a string");
  EXPECT_EQ((Diagnostic{"f.toml", 3, 7, "", "bad syntax"}.to_string()), "f.toml:3:7: bad syntax");
  EXPECT_EQ((Diagnostic{"f.toml", 0, 0, "", "cannot read file: x"}.to_string()),
            "f.toml: cannot read file: x");
}

// ---------------------------------------------------------------------------------------
// [server] and [admin]

TEST(ConfigLoader, DurationsNeedAUnitAndPointAtTheValue) {
  EXPECT_EQ(only_error(parse_with_route("[server]\nheader_timeout = \"10h\"\n")),
            "test.toml:2:18: server.header_timeout: expected a duration like \"40ms\" (unknown "
            "unit 'h'; use us, ms, s or m)");
  EXPECT_EQ(only_error(parse_with_route("[server]\nidle_timeout = \"60\"\n")),
            "test.toml:2:16: server.idle_timeout: expected a duration like \"40ms\" (missing "
            "unit: use us, ms, s or m)");
  EXPECT_EQ(only_error(parse_with_route("[server]\ndrain_timeout = \"-5s\"\n")),
            "test.toml:2:17: server.drain_timeout: expected a duration like \"40ms\" (negative "
            "durations are not allowed)");
}

TEST(ConfigLoader, TimeoutsMustBeGreaterThanZero) {
  const LoadResult result = parse(R"([server]
header_timeout = "0s"
idle_timeout = "0ms"
drain_timeout = "0us"

[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
connect_timeout = "0s"
request_timeout = "0.0s"
)");
  EXPECT_EQ(messages(result), (Strings{
                                  "test.toml:2:18: server.header_timeout: must be greater than 0",
                                  "test.toml:3:16: server.idle_timeout: must be greater than 0",
                                  "test.toml:4:17: server.drain_timeout: must be greater than 0",
                                  "test.toml:9:19: routes[0].connect_timeout: must be greater "
                                  "than 0",
                                  "test.toml:10:19: routes[0].request_timeout: must be greater "
                                  "than 0",
                              }));
}

TEST(ConfigLoader, ThreadsMayBeZeroToOneThousandTwentyFour) {
  EXPECT_EQ(loaded(parse_with_route("[server]\nthreads = 1024\n")).server.threads, 1024u);
  EXPECT_EQ(only_error(parse_with_route("[server]\nthreads = 1025\n")),
            "test.toml:2:11: server.threads: must be between 0 and 1024");
  EXPECT_EQ(only_error(parse_with_route("[server]\nthreads = -1\n")),
            "test.toml:2:11: server.threads: must be between 0 and 1024");
}

TEST(ConfigLoader, SizesAcceptBytesOrBinaryUnits) {
  const Config config = loaded(
      parse_with_route("[server]\nmax_header_bytes = \"8KiB\"\nmax_body_bytes = \"1GiB\"\n"));
  EXPECT_EQ(config.server.max_header_bytes, 8192u);
  EXPECT_EQ(config.server.max_body_bytes, 1u << 30);
  EXPECT_EQ(loaded(parse_with_route("[server]\nmax_body_bytes = \"512\"\n")).server.max_body_bytes,
            512u);
}

TEST(ConfigLoader, DecimalSizeUnitsAreRejectedWithTheBinaryOneSuggested) {
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_body_bytes = \"64MB\"\n")),
            "test.toml:2:18: server.max_body_bytes: expected a size like 65536 or \"64KiB\" (unit "
            "'MB' is not supported; write \"64MiB\")");
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_header_bytes = \"64kb\"\n")),
            "test.toml:2:20: server.max_header_bytes: expected a size like 65536 or \"64KiB\" "
            "(unit 'kb' is not supported; write \"64KiB\")");
}

TEST(ConfigLoader, SizesMustBePositiveAndInRange) {
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_body_bytes = 0\n")),
            "test.toml:2:18: server.max_body_bytes: must be greater than 0");
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_header_bytes = -1\n")),
            "test.toml:2:20: server.max_header_bytes: expected a size like 65536 or \"64KiB\" "
            "(negative sizes are not allowed)");
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_header_bytes = \"4GiB\"\n")),
            "test.toml:2:20: server.max_header_bytes: must be at most 4294967295 bytes");
  EXPECT_EQ(only_error(parse_with_route("[server]\nmax_body_bytes = \"17179869184GiB\"\n")),
            "test.toml:2:18: server.max_body_bytes: expected a size like 65536 or \"64KiB\" (too "
            "large)");
}

TEST(ConfigLoader, ListenAddressesAcceptIpv4NamesAndBracketedIpv6) {
  const Config config = loaded(
      parse_with_route("[server]\nlisten = \"[::1]:8080\"\n[admin]\nlisten = \"localhost:0\"\n"));
  EXPECT_EQ(config.server.listen.host, "::1");
  EXPECT_EQ(config.server.listen.port, 8080);
  EXPECT_EQ(config.admin.listen.host, "localhost");
  EXPECT_EQ(config.admin.listen.port, 0);
}

TEST(ConfigLoader, BadListenAddressesAreReportedAtTheValue) {
  EXPECT_EQ(only_error(parse_with_route("[admin]\nlisten = \"::1:9901\"\n")),
            "test.toml:2:10: admin.listen: IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
  EXPECT_EQ(only_error(parse_with_route("[server]\nlisten = \"0.0.0.0:70000\"\n")),
            "test.toml:2:10: server.listen: invalid port '70000': expected 0 to 65535");
}

TEST(ConfigLoader, AdminAndServerCannotShareAnAddress) {
  EXPECT_EQ(only_error(parse_with_route(
                "[server]\nlisten = \"127.0.0.1:8080\"\n[admin]\nlisten = \"127.0.0.1:8080\"\n")),
            "test.toml:4:10: admin.listen: same address as server.listen; give the admin API its "
            "own port");
  // Port 0 asks the kernel for a fresh port each time: no clash.
  loaded(
      parse_with_route("[server]\nlisten = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n"));
}

// ---------------------------------------------------------------------------------------
// [[routes]]

TEST(ConfigLoader, NoRoutesIsAnError) {
  EXPECT_EQ(only_error(parse("")), "test.toml: no routes: add a [[routes]] table");
  EXPECT_EQ(only_error(parse("routes = []\n")),
            "test.toml:1:10: routes: no routes: add a [[routes]] table");
}

TEST(ConfigLoader, RoutePointingNowhereIsReportedAtTheRoute) {
  EXPECT_EQ(only_error(parse("[[routes]]\nname = \"api\"\npath_prefix = \"/\"\n")),
            "test.toml:1:1: routes[0]: route 'api' has no upstream");
}

TEST(ConfigLoader, RouteNeedsANonEmptyName) {
  EXPECT_EQ(only_error(parse("[[routes]]\nupstream = \"http://127.0.0.1:9000\"\n")),
            "test.toml:1:1: routes[0]: route has no name");
  EXPECT_EQ(only_error(parse("[[routes]]\nname = \"\"\nupstream = \"http://127.0.0.1:9000\"\n")),
            "test.toml:2:8: routes[0].name: must not be empty");
}

TEST(ConfigLoader, DuplicateRouteNameNamesTheFirstDefinition) {
  EXPECT_EQ(only_error(parse(R"([[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "api"
path_prefix = "/v2"
upstream = "http://127.0.0.1:9001"
)")),
            "test.toml:5:8: routes[1].name: duplicate route name 'api' (first defined at line 2)");
}

TEST(ConfigLoader, SameHostAndPathPrefixTwiceIsAnError) {
  EXPECT_EQ(only_error(parse(R"([[routes]]
name = "a"
path_prefix = "/api"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "b"
path_prefix = "/api"
upstream = "http://127.0.0.1:9001"
)")),
            "test.toml:7:15: routes[1].path_prefix: path_prefix \"/api\" is already used by route "
            "'a' (line 3)");
  // Both default to "/": reported at the second route's header.
  EXPECT_EQ(only_error(parse(R"([[routes]]
name = "a"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "b"
upstream = "http://127.0.0.1:9001"
)")),
            "test.toml:4:1: routes[1]: path_prefix \"/\" is already used by route 'a' (line 1)");
  EXPECT_EQ(only_error(parse(R"([[routes]]
name = "a"
host = "api.example.com"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "b"
host = "API.example.com"
upstream = "http://127.0.0.1:9001"
)")),
            "test.toml:5:1: routes[1]: host \"api.example.com\" and path_prefix \"/\" are already "
            "used by route 'a' (line 1)");
}

TEST(ConfigLoader, SamePathPrefixOnDifferentHostsIsFine) {
  const Config config = loaded(parse(R"([[routes]]
name = "a"
host = "a.example.com"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "b"
host = "b.example.com"
upstream = "http://127.0.0.1:9001"
[[routes]]
name = "any"
upstream = "http://127.0.0.1:9002"
)"));
  EXPECT_EQ(config.routes.size(), 3u);
}

TEST(ConfigLoader, PathPrefixMustStartWithASlash) {
  EXPECT_EQ(only_error(parse_with_route(
                "[[routes]]\nname = \"b\"\npath_prefix = \"api\"\nupstream = \"http://b\"\n")),
            "test.toml:3:15: routes[0].path_prefix: must start with '/'");
  EXPECT_EQ(only_error(parse_with_route(
                "[[routes]]\nname = \"b\"\npath_prefix = \"/a?b\"\nupstream = \"http://b\"\n")),
            "test.toml:3:15: routes[0].path_prefix: must not contain spaces, '?' or '#'");
}

TEST(ConfigLoader, UpstreamMustBeHttpOrHttpsHostAndPort) {
  const auto upstream_error = [](std::string_view url) {
    return only_error(
        parse("[[routes]]\nname = \"api\"\nupstream = \"" + std::string(url) + "\"\n"));
  };
  EXPECT_EQ(upstream_error("ws://example.com"),
            "test.toml:3:12: routes[0].upstream: unsupported scheme 'ws'; use http:// or "
            "https://");
  EXPECT_EQ(upstream_error("http://example.com/api"),
            "test.toml:3:12: routes[0].upstream: upstream URLs cannot have a path ('/api'): "
            "requests keep their own path");
  EXPECT_EQ(upstream_error("http://example.com?x=1"),
            "test.toml:3:12: routes[0].upstream: upstream URLs cannot have a query ('?x=1')");
  EXPECT_EQ(upstream_error("http://me@example.com"),
            "test.toml:3:12: routes[0].upstream: user info (\"user@\") is not supported in "
            "upstream URLs");
  EXPECT_EQ(upstream_error("example.com:80"),
            "test.toml:3:12: routes[0].upstream: expected \"http://host:port\" or "
            "\"https://host:port\", e.g. \"http://127.0.0.1:9000\"");
  EXPECT_EQ(loaded(parse("[[routes]]\nname = \"api\"\nupstream = \"http://example.com/\"\n"))
                .routes.at(0)
                .upstream.port,
            80);
}

TEST(ConfigLoader, MaxIdleConnectionsMustNotBeNegative) {
  EXPECT_EQ(only_error(parse(std::string(kRoute) + "max_idle_connections = -1\n")),
            "test.toml:4:24: routes[0].max_idle_connections: must not be negative");
}

TEST(ConfigLoader, RouteIndexesInKeyPathsCountFromZero) {
  const LoadResult result = parse(std::string(kRoute) + R"([[routes]]
name = "second"
path_prefix = "/second"
upstream = "http://127.0.0.1:9000"
[[routes]]
name = "third"
path_prefix = "/third"
)");
  EXPECT_EQ(only_error(result), "test.toml:8:1: routes[2]: route 'third' has no upstream");
}

// ---------------------------------------------------------------------------------------
// [faults]

TEST(ConfigLoader, ProfileNamesAreSortedAndAlwaysIncludeNone) {
  const Config config = loaded(parse_with_route(R"([faults]
[[faults.profiles.zeta]]
delay = "1ms"
[[faults.profiles.alpha]]
delay = "1ms"
)"));
  EXPECT_EQ(config.faults.profile_names, (Strings{"alpha", "none", "zeta"}));
}

TEST(ConfigLoader, ActiveProfileMustExist) {
  EXPECT_EQ(only_error(parse_with_route(R"([faults]
active_profile = "flakey"
[[faults.profiles.flaky]]
delay = "1ms"
)")),
            "test.toml:2:18: faults.active_profile: unknown profile 'flakey' (did you mean "
            "'flaky'?)");
  EXPECT_EQ(only_error(parse_with_route(R"([faults]
active_profile = "chaos"
[[faults.profiles.slow]]
delay = "1ms"
[[faults.profiles.flaky]]
delay = "1ms"
)")),
            "test.toml:2:18: faults.active_profile: unknown profile 'chaos' (profiles: flaky, "
            "none, slow)");
  EXPECT_EQ(loaded(parse_with_route("[faults]\nactive_profile = \"none\"\n")).faults.active_profile,
            "none");
}

TEST(ConfigLoader, ProfileMustBeAnArrayOfTables) {
  EXPECT_EQ(only_error(parse_with_route("[faults.profiles.slow]\ndelay = \"1ms\"\n")),
            "test.toml:1:1: faults.profiles.slow: expected an array of tables "
            "([[faults.profiles.slow]])");
  EXPECT_EQ(only_error(parse_with_route("[faults.profiles]\nslow = [{ delay = \"1ms\" }, 5]\n")),
            "test.toml:2:28: faults.profiles.slow[1]: expected a table (a [[faults.profiles.slow]] "
            "rule)");
  // Inline arrays of inline tables are the same thing as [[...]] tables, and may be empty.
  loaded(parse_with_route("[faults.profiles]\nslow = [{ delay = \"1ms\" }]\nquiet = []\n"));
}

TEST(ConfigLoader, ProfileNoneIsBuiltInAndCannotBeRedefined) {
  EXPECT_EQ(only_error(parse_with_route("[[faults.profiles.none]]\ndelay = \"1ms\"\n")),
            "test.toml:1:19: faults.profiles.none: profile 'none' is built in and injects "
            "nothing; choose another name");
}

TEST(ConfigLoader, ProfileNamesThatNeedQuotesAreQuotedInKeyPaths) {
  EXPECT_EQ(only_error(parse_with_route("[faults.profiles]\n\"my profile\" = 1\n")),
            "test.toml:2:16: faults.profiles.\"my profile\": expected an array of tables "
            "([[faults.profiles.my profile]])");
}

TEST(ConfigLoader, FaultCountersMustNotBeNegative) {
  const LoadResult result = parse_with_route("[faults]\nseed = -1\nmax_active_faults = -2\n");
  EXPECT_EQ(messages(result), (Strings{
                                  "test.toml:2:8: faults.seed: must not be negative",
                                  "test.toml:3:21: faults.max_active_faults: must not be negative",
                              }));
}

// ---------------------------------------------------------------------------------------
// load_config_file

TEST(LoadConfigFile, ReadsTheFileAndUsesItsPathInMessages) {
  const auto path = write_temp_file("faultline_loader_test_bad.toml",
                                    std::string(kRoute) + "[server]\nthreads = \"many\"\n");
  const LoadResult result = load_config_file(path.string());
  EXPECT_EQ(only_error(result), path.string() + ":5:11: server.threads: expected an integer");
}

TEST(LoadConfigFile, SourceIsThePath) {
  const auto path = write_temp_file("faultline_loader_test_good.toml", kRoute);
  EXPECT_EQ(loaded(load_config_file(path.string())).source, path.string());
}

TEST(LoadConfigFile, UnreadableFileIsReportedWithoutAPlace) {
  EXPECT_EQ(only_error(load_config_file("/nonexistent/faultline.toml")),
            "/nonexistent/faultline.toml: cannot read file: No such file or directory");
  const std::string directory = ::testing::TempDir();
  EXPECT_EQ(only_error(load_config_file(directory)),
            directory + ": cannot read file: Is a directory");
}

}  // namespace
}  // namespace faultline::config

namespace faultline::config {
namespace {

TEST(ConfigLoaderMetrics, WindowDefaultsToOneMinuteAndTakesADuration) {
  const auto defaults =
      parse_config("[[routes]]\nname = \"a\"\nupstream = \"http://127.0.0.1:1\"\n", "test.toml");
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->metrics.window, std::chrono::seconds(60));
  const auto custom = parse_config(
      "[metrics]\nwindow = \"2m\"\n[[routes]]\nname = \"a\"\nupstream = \"http://127.0.0.1:1\"\n",
      "test.toml");
  ASSERT_TRUE(custom.config);
  EXPECT_EQ(custom.config->metrics.window, std::chrono::minutes(2));
}

TEST(ConfigLoaderMetrics, WindowMustBeAPositiveDuration) {
  const auto result = parse_config(
      "[metrics]\nwindow = 60\nwindo = \"1s\"\n[[routes]]\nname = \"a\"\nupstream = "
      "\"http://127.0.0.1:1\"\n",
      "test.toml");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_NE(result.errors[0].to_string().find("test.toml:2:10: metrics.window"), std::string::npos)
      << result.errors[0].to_string();
  EXPECT_NE(result.errors[1].to_string().find("unknown key 'windo' (did you mean 'window'?)"),
            std::string::npos)
      << result.errors[1].to_string();
}

}  // namespace
}  // namespace faultline::config
