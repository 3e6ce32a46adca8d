// Header control: a request forcing faults on itself with x-faultline-* (or Envoy's
// x-envoy-fault-*) headers. Invalid values are ignored and reported.
#include "faults/header_control.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "faults/decide.hpp"

namespace faultline::faults {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

HeaderControl parse(std::vector<Header> headers) {
  return parse_header_control(headers);
}

// The plan the forced rules alone make.
FaultPlan plan_of(const HeaderControl& control) {
  Rng rng(1);
  return decide(Profile{"none", {}}, RequestView{}, rng, control.rules);
}

Duration forced_delay(std::string_view value) {
  const HeaderControl control = parse({{"x-faultline-delay", value}});
  EXPECT_TRUE(control.problems.empty()) << ::testing::PrintToString(control.problems);
  return plan_of(control).request_delay;
}

TEST(FaultsHeaderControl, NoControlHeadersNoRules) {
  const HeaderControl control = parse({{"accept", "*/*"}, {"x-faultline-other", "1"}});
  EXPECT_TRUE(control.rules.empty());
  EXPECT_TRUE(control.problems.empty());
}

TEST(FaultsHeaderControl, DelayTakesADurationAndABareNumberIsMilliseconds) {
  EXPECT_EQ(forced_delay("120ms"), 120ms);
  EXPECT_EQ(forced_delay("120"), 120ms);
  EXPECT_EQ(forced_delay("1.5s"), 1500ms);
  EXPECT_EQ(forced_delay("250us"), 250us);
  EXPECT_EQ(forced_delay("2m"), 2min);
  EXPECT_EQ(forced_delay(" 0.5 "), 500us);  // surrounding whitespace is not part of a value
}

TEST(FaultsHeaderControl, DelayRuleIsNamedAfterItsHeader) {
  const HeaderControl control = parse({{"X-Faultline-Delay", "120ms"}});
  ASSERT_EQ(control.rules.size(), 1u);
  EXPECT_EQ(control.rules[0].name, "header:x-faultline-delay");
  const FaultPlan plan = plan_of(control);
  EXPECT_EQ(plan.applied.at(0),
            (AppliedFault{"header:x-faultline-delay", "delay", 120ms, Phase::request}));
}

TEST(FaultsHeaderControl, AZeroDelayAsksForNothing) {
  const HeaderControl control = parse({{"x-faultline-delay", "0"}});
  EXPECT_TRUE(control.rules.empty());
  EXPECT_TRUE(control.problems.empty());
}

TEST(FaultsHeaderControl, AbortThrottleAndReset) {
  const FaultPlan abort = plan_of(parse({{"x-faultline-abort", "503"}}));
  EXPECT_EQ(std::get<Abort>(*abort.terminal).status, 503);
  EXPECT_EQ(abort.injected_header(), "header:x-faultline-abort");

  const FaultPlan throttle = plan_of(parse({{"x-faultline-throttle", "10240"}}));
  EXPECT_EQ(throttle.throttle, Throttle{10240});
  EXPECT_EQ(throttle.injected_header(), "header:x-faultline-throttle");

  for (const char* yes : {"1", "true"}) {
    const FaultPlan reset = plan_of(parse({{"x-faultline-reset", yes}}));
    EXPECT_TRUE(reset.terminal && std::holds_alternative<Reset>(*reset.terminal)) << yes;
  }
  for (const char* no : {"0", "false"}) {
    const HeaderControl control = parse({{"x-faultline-reset", no}});
    EXPECT_TRUE(control.rules.empty() && control.problems.empty()) << no;
  }
}

TEST(FaultsHeaderControl, EnvoyHeadersAreAcceptedWithEnvoysUnits) {
  const FaultPlan plan = plan_of(
      parse({{"x-envoy-fault-delay-request", "120"}, {"x-envoy-fault-throughput-response", "10"}}));
  EXPECT_EQ(plan.request_delay, 120ms);
  EXPECT_EQ(plan.throttle, Throttle{10 * 1024});  // KiB/s
  EXPECT_EQ(plan.injected_header(),
            "header:x-envoy-fault-delay-request, header:x-envoy-fault-throughput-response");
  const FaultPlan abort = plan_of(parse({{"x-envoy-fault-abort-request", "429"}}));
  EXPECT_EQ(std::get<Abort>(*abort.terminal).status, 429);
  EXPECT_EQ(abort.injected_header(), "header:x-envoy-fault-abort-request");
}

TEST(FaultsHeaderControl, AnAbortReplacesTheUpstreamResponseSoAThrottleIsDropped) {
  const FaultPlan plan =
      plan_of(parse({{"x-faultline-throttle", "100"}, {"x-faultline-abort", "503"}}));
  EXPECT_FALSE(plan.throttle.has_value());
  EXPECT_EQ(plan.injected_header(), "header:x-faultline-abort");
}

TEST(FaultsHeaderControl, DelaysComeFirstAndAbortBeatsReset) {
  const FaultPlan plan = plan_of(parse(
      {{"x-faultline-reset", "1"}, {"x-faultline-abort", "502"}, {"x-faultline-delay", "5ms"}}));
  EXPECT_EQ(plan.request_delay, 5ms);
  EXPECT_EQ(std::get<Abort>(*plan.terminal).status, 502);
  EXPECT_EQ(plan.injected_header(), "header:x-faultline-delay, header:x-faultline-abort");
}

TEST(FaultsHeaderControl, InvalidValuesAreIgnoredAndReported) {
  const HeaderControl control = parse({
      {"x-faultline-delay", "soon"},
      {"x-faultline-throttle", "0"},
      {"x-faultline-abort", "99"},
      {"x-faultline-reset", "yes"},
      {"x-envoy-fault-delay-request", "1.5"},
      {"x-envoy-fault-throughput-response", "-1"},
      {"x-envoy-fault-abort-request", "600"},
  });
  EXPECT_TRUE(control.rules.empty());
  EXPECT_EQ(control.problems,
            (Strings{
                "x-faultline-delay: expected a duration like \"120ms\" (a bare number is "
                "milliseconds), got \"soon\"",
                "x-envoy-fault-delay-request: expected a whole number of milliseconds, got \"1.5\"",
                "x-faultline-throttle: expected a rate in bytes/s greater than 0, got \"0\"",
                "x-envoy-fault-throughput-response: expected a rate in KiB/s greater than 0, got "
                "\"-1\"",
                "x-faultline-abort: expected an HTTP status from 200 to 599, got \"99\"",
                "x-envoy-fault-abort-request: expected an HTTP status from 200 to 599, got \"600\"",
                "x-faultline-reset: expected 1 or true (0 or false for no reset), got \"yes\"",
            }));
}

TEST(FaultsHeaderControl, OneBadHeaderDoesNotSpoilTheOthers) {
  const HeaderControl control =
      parse({{"x-faultline-delay", "fast"}, {"x-faultline-abort", "503"}});
  ASSERT_EQ(control.rules.size(), 1u);
  EXPECT_EQ(control.rules[0].name, "header:x-faultline-abort");
  EXPECT_EQ(control.problems.size(), 1u);
}

TEST(FaultsHeaderControl, AbsurdDelaysAreRefused) {
  const HeaderControl control =
      parse({{"x-faultline-delay", "25h"}, {"x-envoy-fault-delay-request", "86400001"}});
  EXPECT_TRUE(control.rules.empty());
  ASSERT_EQ(control.problems.size(), 2u);
  EXPECT_EQ(control.problems[0],
            "x-faultline-delay: expected a duration like \"120ms\" (a bare number is "
            "milliseconds), got \"25h\"");
  EXPECT_EQ(control.problems[1], "x-envoy-fault-delay-request: longer than 24h, got \"86400001\"");
  EXPECT_EQ(parse({{"x-faultline-delay", "1441m"}}).problems,
            Strings{"x-faultline-delay: longer than 24h, got \"1441m\""});
}

TEST(FaultsHeaderControl, ARepeatedHeaderUsesItsFirstValue) {
  const HeaderControl control = parse({{"x-faultline-abort", "503"}, {"x-faultline-abort", "500"}});
  ASSERT_EQ(control.rules.size(), 1u);
  EXPECT_EQ(std::get<Abort>(control.rules[0].action).status, 503);
  EXPECT_EQ(control.problems, Strings{"x-faultline-abort: repeated; the first value is used"});
}

TEST(FaultsHeaderControl, ReportedValuesAreShortAndPrintable) {
  const std::string value =
      "5\x01"
      "0" +
      std::string(100, '3');
  const HeaderControl control = parse({{"x-faultline-abort", value}});
  ASSERT_EQ(control.problems.size(), 1u);
  EXPECT_EQ(control.problems[0],
            "x-faultline-abort: expected an HTTP status from 200 to 599, got \"5?0" +
                std::string(61, '3') + "...\"");
}

TEST(FaultsHeaderControl, ControlHeadersAreRecognisedInAnyCase) {
  EXPECT_TRUE(is_control_header("X-Faultline-Delay"));
  EXPECT_TRUE(is_control_header("x-envoy-fault-abort-request"));
  EXPECT_FALSE(is_control_header("x-faultline-injected"));
  EXPECT_FALSE(is_control_header("x-envoy-fault-abort-request-percentage"));
}

}  // namespace
}  // namespace faultline::faults
