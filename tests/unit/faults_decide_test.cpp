// decide(): which rules fire, how often, and that a seed replays a run exactly.
// FAULTLINE_PRINT_STATS=1 prints the measured abort rates.
#include "faults/decide.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace faultline::faults {
namespace {

using namespace std::chrono_literals;

bool print_stats() {
  const char* flag = std::getenv("FAULTLINE_PRINT_STATS");
  return flag != nullptr && std::string(flag) == "1";
}

Rule rule(std::string name, Action action, double probability = 1.0, Matcher match = {}) {
  return Rule{std::move(name), std::move(match), probability, std::move(action)};
}

Delay fixed(Duration d, Phase phase = Phase::request) {
  return Delay{Distribution{FixedDelay{d}, std::nullopt}, phase};
}

// The example config's "flaky" profile, without its match, plus a reset for variety.
Profile flaky() {
  return Profile{
      "flaky",
      {
          rule("base latency", Delay{Distribution{NormalDelay{40ms, 10ms}, std::nullopt}}),
          rule("jitter spikes", Delay{Distribution{UniformDelay{200ms, 700ms}, std::nullopt}},
               0.05),
          rule("errors", Abort{503, "injected by faultline", {}}, 0.02),
          rule("resets", Reset{}, 0.01),
      }};
}

const RequestView kGet{"GET", "/api/users", "localhost", "api", {}};

// ---------------------------------------------------------------------------------------
// Rates

// 1e6 decisions with per-request generators, as the proxy makes them; the count of
// aborts must lie in the 99.9 % binomial interval n p +- 3.29 sqrt(n p (1 - p)).
void expect_abort_rate(double p, bool per_request) {
  const Profile profile{"errors", {rule("errors", Abort{503, {}, {}}, p)}};
  constexpr std::uint64_t kDecisions = 1'000'000;
  std::uint64_t aborts = 0;
  Rng sequential(2024);
  for (std::uint64_t i = 0; i < kDecisions; ++i) {
    Rng request_rng = per_request ? Rng::for_request(2024, i) : sequential;
    Rng& rng = per_request ? request_rng : sequential;
    if (decide(profile, kGet, rng).terminal) ++aborts;
  }
  const double n = kDecisions;
  const double expected = n * p;
  const double half_width = 3.29 * std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(aborts), expected, half_width) << "p = " << p;
  if (print_stats()) {
    std::printf(
        "[ stats ] abort p=%-6g %-11s observed %7llu of 1e6 = %.5f  expected %8.0f +- %.0f"
        " (99.9%%)\n",
        p, per_request ? "per-request" : "sequential", static_cast<unsigned long long>(aborts),
        static_cast<double>(aborts) / n, expected, half_width);
  }
}

TEST(FaultsDecide, AbortRateMatchesProbabilityThirtyPercent) {
  expect_abort_rate(0.3, true);
  expect_abort_rate(0.3, false);
}

TEST(FaultsDecide, AbortRateMatchesProbabilityTwoPercent) {
  expect_abort_rate(0.02, true);
  expect_abort_rate(0.02, false);
}

TEST(FaultsDecide, AbortRateMatchesProbabilityOnePerThousand) {
  expect_abort_rate(0.001, true);
  expect_abort_rate(0.001, false);
}

TEST(FaultsDecide, ProbabilityOneAlwaysFiresAndZeroNever) {
  const Profile profile{"p", {rule("always", fixed(1ms), 1.0), rule("never", Reset{}, 0.0)}};
  for (std::uint64_t i = 0; i < 10000; ++i) {
    Rng rng = Rng::for_request(1, i);
    const FaultPlan plan = decide(profile, kGet, rng);
    ASSERT_EQ(plan.injected_header(), "always");
  }
}

TEST(FaultsDecide, RulesRollIndependently) {
  // Two 50 % rules: both fire a quarter of the time.
  const Profile profile{"p", {rule("a", fixed(1ms), 0.5), rule("b", fixed(2ms), 0.5)}};
  constexpr int kDecisions = 100000;
  int both = 0;
  for (int i = 0; i < kDecisions; ++i) {
    Rng rng = Rng::for_request(5, i);
    if (decide(profile, kGet, rng).applied.size() == 2) ++both;
  }
  EXPECT_NEAR(both, kDecisions * 0.25, 3.29 * std::sqrt(kDecisions * 0.25 * 0.75));
}

// ---------------------------------------------------------------------------------------
// Composition

TEST(FaultsDecide, ADelayRuleAndAnAbortRuleBothApply) {
  const Profile profile{"p", {rule("slow", fixed(150ms)), rule("errors", Abort{503, "x", {}})}};
  Rng rng(1);
  const FaultPlan plan = decide(profile, kGet, rng);
  EXPECT_EQ(plan.request_delay, 150ms);
  ASSERT_TRUE(plan.terminal.has_value());
  EXPECT_EQ(std::get<Abort>(*plan.terminal), (Abort{503, "x", {}}));
  EXPECT_EQ(plan.injected_header(), "slow, errors");
}

TEST(FaultsDecide, TheFirstTerminalInRuleOrderWins) {
  const Profile profile{"p", {rule("reset", Reset{}), rule("abort", Abort{500, {}, {}})}};
  Rng rng(1);
  const FaultPlan plan = decide(profile, kGet, rng);
  EXPECT_TRUE(std::holds_alternative<Reset>(*plan.terminal));
  EXPECT_EQ(plan.injected_header(), "reset");
}

TEST(FaultsDecide, RulesThatDoNotMatchDoNotApply) {
  Matcher posts;
  posts.methods = {"POST"};
  const Profile profile{"p", {rule("posts only", Abort{503, {}, {}}, 1.0, posts)}};
  Rng rng(1);
  EXPECT_TRUE(decide(profile, kGet, rng).empty());
  const RequestView post{"POST", "/api/users", "localhost", "api", {}};
  EXPECT_FALSE(decide(profile, post, rng).empty());
}

TEST(FaultsDecide, TheNoneProfileInjectsNothing) {
  const Profile none{std::string(kNoneProfileName), {}};
  Rng rng(1);
  const Rng before = rng;
  EXPECT_EQ(decide(none, kGet, rng), FaultPlan{});
  EXPECT_EQ(rng, before);
}

TEST(FaultsDecide, DelaysAreSampledFromTheirDistribution) {
  const Profile profile{
      "p", {rule("spike", Delay{Distribution{UniformDelay{200ms, 700ms}, std::nullopt}})}};
  for (std::uint64_t i = 0; i < 1000; ++i) {
    Rng rng = Rng::for_request(3, i);
    const FaultPlan plan = decide(profile, kGet, rng);
    ASSERT_GE(plan.request_delay, 200ms);
    ASSERT_LE(plan.request_delay, 700ms);
    ASSERT_EQ(plan.applied.at(0).delay, plan.request_delay);
  }
}

TEST(FaultsDecide, ForcedRulesApplyFirstAndWithoutDice) {
  const Profile profile{"p", {rule("errors", Abort{500, {}, {}})}};
  const std::vector<Rule> forced{rule("header:x-faultline-abort", Abort{418, {}, {}}, 0.0)};
  Rng rng(1);
  const FaultPlan plan = decide(profile, kGet, rng, forced);
  EXPECT_EQ(std::get<Abort>(*plan.terminal).status, 418);  // forced first: the first terminal
  EXPECT_EQ(plan.injected_header(), "header:x-faultline-abort");
  // The profile's roll is the same with or without forced rules.
  Rng without(1);
  decide(profile, kGet, without);
  EXPECT_EQ(rng, without);
}

// ---------------------------------------------------------------------------------------
// Randomness bookkeeping: a seeded run is stable

int uniforms_consumed(const Profile& profile, const RequestView& request, std::uint64_t seed) {
  Rng rng(seed);
  decide(profile, request, rng);
  Rng reference(seed);
  for (int count = 0; count < 64; ++count) {
    if (reference == rng) return count;
    reference.next();
  }
  return -1;
}

TEST(FaultsDecide, EveryMatchingRuleConsumesExactlyOneUniformForItsRoll) {
  // Non-delay rules: one roll each, whether they fire or not, p = 1 included.
  const Profile certain{"p", {rule("a", Throttle{1}, 1.0), rule("b", Corrupt{1}, 1.0)}};
  const Profile never{"p", {rule("a", Throttle{1}, 0.0), rule("b", Corrupt{1}, 0.0)}};
  EXPECT_EQ(uniforms_consumed(certain, kGet, 1), 2);
  EXPECT_EQ(uniforms_consumed(never, kGet, 1), 2);
  // A fixed delay samples nothing; a normal one takes two more when it fires.
  const Profile delays{"p",
                       {rule("fixed", fixed(1ms)),
                        rule("normal", Delay{Distribution{NormalDelay{1ms, 1ms}, std::nullopt}})}};
  EXPECT_EQ(uniforms_consumed(delays, kGet, 1), 4);
}

TEST(FaultsDecide, RulesThatDoNotMatchConsumeNothing) {
  Matcher elsewhere;
  elsewhere.path_prefix = "/elsewhere";
  const Profile profile{"p", {rule("a", Reset{}, 0.5, elsewhere), rule("b", Reset{}, 0.5)}};
  EXPECT_EQ(uniforms_consumed(profile, kGet, 1), 1);
}

std::vector<FaultPlan> run(const Profile& profile, std::uint64_t seed, std::uint64_t requests) {
  const std::vector<RequestView> mix{
      kGet,
      {"POST", "/api/orders", "localhost", "api", {}},
      {"GET", "/static/app.js", "localhost", "static", {}},
  };
  std::vector<FaultPlan> plans;
  for (std::uint64_t i = 0; i < requests; ++i) {
    Rng rng = Rng::for_request(seed, i);
    plans.push_back(decide(profile, mix[i % mix.size()], rng));
  }
  return plans;
}

TEST(FaultsDecide, SameSeedAndSameRequestsGiveIdenticalPlans) {
  const auto first = run(flaky(), 42, 5000);
  const auto second = run(flaky(), 42, 5000);
  EXPECT_EQ(first, second);
  std::size_t faulted = 0;
  for (const auto& plan : first) faulted += plan.terminal ? 1 : 0;
  EXPECT_GT(faulted, 50u);  // the run is not trivially empty
}

TEST(FaultsDecide, DifferentSeedsGiveDifferentPlans) {
  const auto a = run(flaky(), 42, 1000);
  const auto b = run(flaky(), 43, 1000);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differing += a[i] == b[i] ? 0 : 1;
  EXPECT_GT(differing, 900u);  // every normal delay differs; equal plans are chance
}

TEST(FaultsDecide, DecisionsDependOnArrivalOrderNotOnThreads) {
  // Four threads take sequence numbers from one counter, as proxy workers would; each
  // request's plan equals the one a single thread computes for the same number.
  const Profile profile = flaky();
  constexpr std::uint64_t kRequests = 20000;
  const auto expected = run(profile, 7, kRequests);
  std::vector<FaultPlan> plans(kRequests);
  std::atomic<std::uint64_t> next_sequence{0};
  const std::vector<RequestView> mix{
      kGet,
      {"POST", "/api/orders", "localhost", "api", {}},
      {"GET", "/static/app.js", "localhost", "static", {}},
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        const std::uint64_t sequence = next_sequence.fetch_add(1);
        if (sequence >= kRequests) return;
        Rng rng = Rng::for_request(7, sequence);
        plans[sequence] = decide(profile, mix[sequence % mix.size()], rng);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(plans, expected);
}

}  // namespace
}  // namespace faultline::faults
