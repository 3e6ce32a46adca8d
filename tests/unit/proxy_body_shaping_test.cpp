// The body half of a fault plan, decided piece by piece without sockets or sleeping.
#include "proxy/body_shaping.hpp"

#include <string>

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

using namespace std::chrono_literals;

faults::FaultPlan plan_with(std::optional<faults::Throttle> throttle,
                            std::optional<faults::Truncate> truncate,
                            std::optional<faults::Corrupt> corrupt) {
  faults::FaultPlan plan;
  plan.throttle = throttle;
  plan.truncate = truncate;
  plan.corrupt = corrupt;
  return plan;
}

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 26);
  return bytes;
}

std::size_t differing(const std::string& a, const std::string& b) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < a.size(); ++i) count += a[i] != b[i];
  return count;
}

TEST(BodyShaping, WithoutBodyActionsEverythingPassesAtOnce) {
  faults::Rng rng(1);
  BodyShaping shaping(faults::FaultPlan{}, rng, 100);
  EXPECT_EQ(shaping.piece_size(65536), 65536u);
  std::string_view piece = "hello";
  EXPECT_FALSE(shaping.truncate(piece));
  EXPECT_EQ(piece, "hello");
  EXPECT_EQ(shaping.pause_before(5), BodyShaping::Clock::duration::zero());
}

TEST(BodyShaping, ThrottleMovesSlicesOfFiftyMillisecondsAtTheConfiguredRate) {
  faults::Rng rng(1);
  BodyShaping shaping(plan_with(faults::Throttle{102400}, {}, {}), rng, {});
  EXPECT_EQ(shaping.piece_size(65536), 5120u);  // 100 KiB/s / 20
  const auto start = BodyShaping::Clock::time_point{} + 1h;
  // 200 KiB in 5 KiB slices sent as soon as allowed: the last may go after 39 slices.
  auto now = start;
  for (int i = 0; i < 40; ++i) now += shaping.pause_before(5120, now);
  EXPECT_NEAR(std::chrono::duration<double>(now - start).count(), 1.95, 0.01);
}

TEST(BodyShaping, ThrottleDoesNotSaveUpCreditWhileTheUpstreamIsSlow) {
  faults::Rng rng(1);
  BodyShaping shaping(plan_with(faults::Throttle{1000}, {}, {}), rng, {});
  const auto start = BodyShaping::Clock::time_point{} + 1h;
  EXPECT_EQ(shaping.pause_before(1000, start), BodyShaping::Clock::duration::zero());
  // Ten seconds later nothing is owed, but no burst of ten seconds' worth either.
  EXPECT_EQ(shaping.pause_before(1000, start + 10s), BodyShaping::Clock::duration::zero());
  EXPECT_NEAR(std::chrono::duration<double>(shaping.pause_before(1000, start + 10s)).count(), 1.0,
              1e-6);
}

TEST(BodyShaping, TruncateLetsExactlyAfterBytesThroughAcrossPieces) {
  faults::Rng rng(1);
  BodyShaping shaping(plan_with({}, faults::Truncate{1000}, {}), rng, 10000);
  const std::string body = pattern(600);
  std::string_view first = body;
  EXPECT_FALSE(shaping.truncate(first));
  EXPECT_EQ(first.size(), 600u);
  std::string_view second = body;
  EXPECT_TRUE(shaping.truncate(second));
  EXPECT_EQ(second.size(), 400u);
}

TEST(BodyShaping, TruncateBeyondTheBodyLeavesItWhole) {
  faults::Rng rng(1);
  BodyShaping shaping(plan_with({}, faults::Truncate{1000}, {}), rng, 500);
  const std::string body = pattern(500);
  std::string_view piece = body;
  EXPECT_FALSE(shaping.truncate(piece));
  EXPECT_EQ(piece.size(), 500u);
}

TEST(BodyShaping, CorruptFlipsAtMostTheConfiguredBytesAndKeepsTheLength) {
  const std::string original = pattern(10000);
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    faults::Rng rng(seed);
    BodyShaping shaping(plan_with({}, {}, faults::Corrupt{5}), rng, original.size());
    std::string body = original;
    for (std::size_t offset = 0; offset < body.size(); offset += 4096) {
      shaping.corrupt(body.data() + offset, std::min<std::size_t>(4096, body.size() - offset));
    }
    ASSERT_EQ(body.size(), original.size());
    const std::size_t flipped = differing(body, original);
    EXPECT_GE(flipped, 1u) << "seed " << seed;  // positions may repeat, never cancel to zero
    EXPECT_LE(flipped, 5u) << "seed " << seed;
  }
}

TEST(BodyShaping, CorruptIsTheSameForTheSameSeed) {
  auto corrupted = [](std::uint64_t seed) {
    faults::Rng rng(seed);
    BodyShaping shaping(plan_with({}, {}, faults::Corrupt{3}), rng, 2000);
    std::string body = pattern(2000);
    shaping.corrupt(body.data(), body.size());
    return body;
  };
  EXPECT_EQ(corrupted(7), corrupted(7));
  EXPECT_NE(corrupted(7), corrupted(8));
}

TEST(BodyShaping, CorruptWithoutAKnownLengthFlipsInsideTheFirstPiece) {
  faults::Rng rng(3);
  BodyShaping shaping(plan_with({}, {}, faults::Corrupt{4}), rng, std::nullopt);
  const std::string original = pattern(3000);
  std::string body = original;
  shaping.corrupt(body.data(), 1000);
  shaping.corrupt(body.data() + 1000, 2000);
  EXPECT_GE(differing(body.substr(0, 1000), original.substr(0, 1000)), 1u);
  EXPECT_EQ(body.substr(1000), original.substr(1000));
}

}  // namespace
}  // namespace faultline::proxy
