// https targets for `faultline bench`: the URL, --cacert and --insecure (and their [target]
// keys in a scenario), and the `tls` error kind with its first failure in every report.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "loadgen/bench_flags.hpp"
#include "loadgen/report.hpp"
#include "loadgen/report_merge.hpp"
#include "loadgen/report_reader.hpp"
#include "loadgen/scenario_loader.hpp"

namespace faultline::loadgen {
namespace {

std::string write_temp_file(const std::string& name, std::string_view content) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << content;
  return path.string();
}

std::string joined(const std::vector<std::string>& errors) {
  std::string text;
  for (const auto& e : errors) text += e + "\n";
  return text;
}

TEST(LoadgenHttpsTarget, HttpsUrlsDefaultToPort443AndLeaveItOutOfHost) {
  TargetUrl t;
  ASSERT_EQ(parse_target_url("https://api.test/v1?q=1", t, true), "");
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.port, 443);
  EXPECT_EQ(t.host_header, "api.test");
  EXPECT_EQ(t.path, "/v1?q=1");
  ASSERT_EQ(parse_target_url("https://localhost:8443/", t, true), "");
  EXPECT_EQ(t.port, 8443);
  EXPECT_EQ(t.host_header, "localhost:8443");
  ASSERT_EQ(parse_target_url("https://h:80/", t, true), "");
  EXPECT_EQ(t.host_header, "h:80");
  ASSERT_EQ(parse_target_url("http://h/", t, true), "");
  EXPECT_FALSE(t.tls);
  EXPECT_EQ(t.port, 80);
}

TEST(LoadgenHttpsTarget, HttpsIsRefusedWhereOnlyPlainHttpIsSpoken) {
  TargetUrl t;
  EXPECT_EQ(parse_target_url("https://127.0.0.1:9901/metrics", t),
            "https is not supported here; use http://");
  BenchFlags flags;
  flags.url = "http://127.0.0.1:8080/";
  flags.monitor = "https://127.0.0.1:9901/metrics";
  const FlagsResult result = plan_from_flags(flags, 2);
  EXPECT_FALSE(result.plan);
  EXPECT_NE(joined(result.errors).find("--monitor https://127.0.0.1:9901/metrics: https is not"),
            std::string::npos)
      << joined(result.errors);
}

TEST(LoadgenHttpsTarget, CacertAndInsecureFlagsReachThePlan) {
  const std::string ca = write_temp_file("bench-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  BenchFlags flags;
  flags.url = "https://localhost:8443/";
  flags.cacert = ca;
  FlagsResult result = plan_from_flags(flags, 2);
  ASSERT_TRUE(result.plan) << joined(result.errors);
  EXPECT_TRUE(result.plan->target.tls);
  EXPECT_EQ(result.plan->cacert, ca);
  EXPECT_FALSE(result.plan->insecure);

  flags.cacert.clear();
  flags.insecure = true;
  result = plan_from_flags(flags, 2);
  ASSERT_TRUE(result.plan) << joined(result.errors);
  EXPECT_TRUE(result.plan->insecure);
  EXPECT_EQ(result.plan->cacert, "");
}

TEST(LoadgenHttpsTarget, TlsFlagsThatCannotApplyAreUsageErrors) {
  const std::string ca = write_temp_file("bench-ca2.pem", "x");
  auto errors_of = [](BenchFlags flags) {
    const FlagsResult result = plan_from_flags(flags, 2);
    EXPECT_FALSE(result.plan);
    return joined(result.errors);
  };
  BenchFlags both;
  both.url = "https://localhost/";
  both.cacert = ca;
  both.insecure = true;
  EXPECT_NE(errors_of(both).find("give --cacert FILE or --insecure, not both"), std::string::npos);
  BenchFlags plain;
  plain.url = "http://localhost/";
  plain.cacert = ca;
  EXPECT_NE(errors_of(plain).find("--cacert applies to https:// URLs only"), std::string::npos);
  BenchFlags missing;
  missing.url = "https://localhost/";
  missing.cacert = "/nonexistent/ca.pem";
  EXPECT_NE(errors_of(missing).find("--cacert /nonexistent/ca.pem: cannot read the file"),
            std::string::npos);
}

TEST(LoadgenHttpsTarget, ScenarioTargetTakesCacertRelativeToTheFile) {
  const std::string ca = write_temp_file("scenario-ca.pem", "x");
  const std::string dir = std::filesystem::path(ca).parent_path().string();
  ScenarioResult result = parse_scenario(R"([target]
url = "https://localhost:8443/api"
cacert = "scenario-ca.pem"
[[stages]]
duration = "1s"
rate = 10
)",
                                         "s.toml", dir);
  ASSERT_TRUE(result.plan);
  EXPECT_TRUE(result.plan->target.tls);
  EXPECT_EQ(result.plan->cacert, dir + "/scenario-ca.pem");

  result = parse_scenario(R"([target]
url = "https://localhost:8443/api"
insecure = true
[[stages]]
duration = "1s"
rate = 10
)",
                          "s.toml");
  ASSERT_TRUE(result.plan);
  EXPECT_TRUE(result.plan->insecure);
}

TEST(LoadgenHttpsTarget, ScenarioTlsKeysThatCannotApplyPointAtTheKey) {
  auto first_error = [](std::string_view text) {
    const ScenarioResult result = parse_scenario(text, "s.toml", "/nonexistent");
    EXPECT_FALSE(result.plan);
    return result.errors.empty() ? std::string() : result.errors.front().to_string();
  };
  EXPECT_EQ(first_error("[target]\nurl = \"http://h/\"\ninsecure = true\n"
                        "[[stages]]\nduration = \"1s\"\nrate = 1\n"),
            "s.toml:3:12: target.insecure: applies to https:// URLs only");
  EXPECT_EQ(first_error("[target]\nurl = \"https://h/\"\ncacert = \"ca.pem\"\n"
                        "[[stages]]\nduration = \"1s\"\nrate = 1\n"),
            "s.toml:3:10: target.cacert: cannot read /nonexistent/ca.pem: No such file or "
            "directory");
}

RunResult failed_tls_run() {
  RunResult r;
  r.url = "https://localhost:8443/";
  r.model = LoadModel::closed;
  r.connections = 2;
  r.threads = 1;
  r.seconds = 1;
  StageResult stage;
  stage.name = "1";
  stage.seconds = 1;
  stage.tally.requests = 7;
  stage.tally.errors_of(ErrorKind::tls) = 7;
  r.stages.push_back(stage);
  r.total = stage.tally;
  r.first_tls_error = TlsErrorSample{"unknown_ca",
                                     "certificate verify failed: unable to get local issuer "
                                     "certificate"};
  return r;
}

TEST(LoadgenHttpsTarget, TlsErrorsAreTheirOwnKindWithTheFirstReasonInEveryReport) {
  const RunResult r = failed_tls_run();
  const std::string text = text_report(r, Verdict{});
  EXPECT_NE(text.find("7 errors (connect 0, tls 7, timeout 0"), std::string::npos) << text;
  EXPECT_NE(text.find("First TLS error: certificate verify failed: unable to get local issuer "
                      "certificate (unknown_ca)"),
            std::string::npos)
      << text;
  const std::string json = json_report(r, Verdict{});
  EXPECT_NE(json.find("\"errors_by_kind\": {\"connect\": 0, \"tls\": 7"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"first_tls_error\": {\"reason\": \"unknown_ca\", \"message\": "
                      "\"certificate verify failed: unable to get local issuer certificate\"}"),
            std::string::npos)
      << json;
  const std::string html = html_report(r, Verdict{});
  EXPECT_NE(html.find("tls 7"), std::string::npos);
  EXPECT_NE(html.find("First TLS error: certificate verify failed"), std::string::npos);
  EXPECT_EQ(json_report(RunResult{}, Verdict{}).find("first_tls_error"), std::string::npos);
}

TEST(LoadgenHttpsTarget, MergedReportsKeepTheTlsErrorsAndTheirFirstReason) {
  RunResult back;
  ASSERT_EQ(read_report(json_report(failed_tls_run(), Verdict{}), back), "");
  EXPECT_EQ(back.total.errors_of(ErrorKind::tls), 7u);
  ASSERT_TRUE(back.first_tls_error);
  EXPECT_EQ(back.first_tls_error->reason, "unknown_ca");

  RunResult clean = failed_tls_run();
  clean.first_tls_error.reset();
  clean.total = Tally{};
  clean.total.requests = 3;
  clean.stages[0].tally = clean.total;
  MergeOutcome merged = merge_reports({clean, back});
  ASSERT_TRUE(merged.merged) << joined(merged.errors);
  EXPECT_EQ(merged.merged->total.errors_of(ErrorKind::tls), 7u);
  ASSERT_TRUE(merged.merged->first_tls_error);
  EXPECT_EQ(merged.merged->first_tls_error->message,
            "certificate verify failed: unable to get local issuer certificate");
}

}  // namespace
}  // namespace faultline::loadgen
