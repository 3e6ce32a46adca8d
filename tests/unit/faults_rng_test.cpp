// The random source of fault decisions: reproducible from a seed, the same on every
// platform, and per request independent of thread scheduling.
#include "faults/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace faultline::faults {
namespace {

TEST(FaultsRng, MatchesTheReferenceXoshiro256StarStarSeededBySplitMix64) {
  // Values from the reference algorithms (prng.di.unimi.it), computed independently.
  Rng rng(42);
  EXPECT_EQ(rng.next(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(rng.next(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(rng.next(), 0xae17533239e499a1ULL);
}

TEST(FaultsRng, PerRequestStreamIsAPureFunctionOfSeedAndSequence) {
  Rng rng = Rng::for_request(42, 7);
  EXPECT_EQ(rng.next(), 0x14272375a85d05e4ULL);
  EXPECT_EQ(rng.next(), 0xa70bc9f08ead23ceULL);
  EXPECT_EQ(Rng::for_request(42, 7), Rng::for_request(42, 7));
  EXPECT_NE(Rng::for_request(42, 7), Rng::for_request(42, 8));
  EXPECT_NE(Rng::for_request(42, 7), Rng::for_request(43, 7));
}

TEST(FaultsRng, ConsecutiveRequestsGetUnrelatedStreams) {
  // Neighbouring sequence numbers must not share state words (a naive seed + n would).
  std::set<std::uint64_t> first_outputs;
  for (std::uint64_t sequence = 0; sequence < 10000; ++sequence) {
    first_outputs.insert(Rng::for_request(1, sequence).next());
  }
  EXPECT_EQ(first_outputs.size(), 10000u);
}

TEST(FaultsRng, SeedZeroIsAnOrdinarySeed) {
  Rng zero(0);
  Rng again(0);
  EXPECT_EQ(zero.next(), again.next());
  EXPECT_NE(zero.next(), 0u);
}

TEST(FaultsRng, Uniform01IsInTheHalfOpenUnitInterval) {
  Rng rng(1);
  double low = 1, high = 0, sum = 0;
  constexpr int kCount = 100000;
  for (int i = 0; i < kCount; ++i) {
    const double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    low = std::min(low, u);
    high = std::max(high, u);
    sum += u;
  }
  EXPECT_LT(low, 1e-3);
  EXPECT_GT(high, 1 - 1e-3);
  EXPECT_NEAR(sum / kCount, 0.5, 5 * 0.2887 / std::sqrt(kCount));
}

TEST(FaultsRng, BelowIsUniformAndInRange) {
  Rng rng(3);
  std::vector<int> counts(6);
  constexpr int kCount = 60000;
  for (int i = 0; i < kCount; ++i) {
    const auto value = rng.below(6);
    ASSERT_LT(value, 6u);
    ++counts[value];
  }
  for (int count : counts) EXPECT_NEAR(count, 10000, 5 * std::sqrt(10000 * 5.0 / 6));
  EXPECT_EQ(rng.below(0), 0u);
  EXPECT_EQ(rng.below(1), 0u);
}

TEST(FaultsRng, ResolveSeedKeepsAGivenSeedAndDrawsANonZeroOneForZero) {
  EXPECT_EQ(resolve_seed(1234), 1234u);
  const auto a = resolve_seed(0);
  const auto b = resolve_seed(0);
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);  // 2^-64 chance of a false failure
}

}  // namespace
}  // namespace faultline::faults
