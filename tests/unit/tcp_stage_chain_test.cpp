// The per-direction decisions of a TCP connection: when each byte leaves and how the
// direction ends, for every stage kind, computed without sockets or sleeping.
#include "tcp/stage_chain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

namespace faultline::tcp {
namespace {

using namespace std::chrono_literals;
using Kind = Event::Kind;

const TimePoint t0 = TimePoint{} + 1000s;

faults::Distribution fixed(Duration value) {
  return faults::Distribution{faults::FixedDelay{value}, std::nullopt};
}

ChainEntry entry(std::uint64_t id, StageSettings settings, double toxicity = 1.0) {
  return ChainEntry{id, 1, toxicity, std::move(settings), "rule", "profile"};
}

// Plays the relay: chunks arrive, events are carried out (data and drops release their
// bytes) and committed.
class Direction {
 public:
  explicit Direction(std::vector<ChainEntry> entries, std::uint64_t seed = 7)
      : chain_(faults::Rng(seed)), entries_(std::move(entries)) {
    chain_.rebuild(entries_, 0, t0);
  }

  void arrive(std::uint32_t length, TimePoint at) {
    chunks_.push(Chunk{read_end_, length, at});
    read_end_ += length;
  }
  void end(TimePoint at, bool failed = false) {
    ended_ = true;
    failed_ = failed;
    ended_at_ = at;
  }

  // The next event at `now`, not carried out.
  Event peek(TimePoint now) const {
    StageChain scratch = chain_;
    return scratch.pull(Input{&chunks_, read_end_, ended_, failed_, ended_at_}, now);
  }

  // The next event at `now`, carried out; its write finished at `finished` (by default
  // when it was due).
  Event step(TimePoint now, std::optional<TimePoint> finished = std::nullopt) {
    StageChain scratch = chain_;
    const Event event = scratch.pull(Input{&chunks_, read_end_, ended_, failed_, ended_at_}, now);
    if (event.kind == Kind::idle) return event;
    if (event.kind == Kind::data || event.kind == Kind::drop) {
      released_ = event.begin + event.length;
      chunks_.release(released_);
    }
    scratch.committed(finished.value_or(std::max(now, event.at)));
    chain_ = scratch;
    return event;
  }

  bool rebuild(std::vector<ChainEntry> entries, TimePoint now) {
    entries_ = std::move(entries);
    return chain_.rebuild(entries_, released_, now);
  }

  const StageChain& chain() const { return chain_; }

 private:
  StageChain chain_;
  std::vector<ChainEntry> entries_;
  ChunkQueue chunks_{64};
  std::uint64_t read_end_ = 0;
  std::uint64_t released_ = 0;
  bool ended_ = false;
  bool failed_ = false;
  TimePoint ended_at_{};
};

void expect_data(const Event& event, std::uint64_t begin, std::uint64_t length, TimePoint at) {
  EXPECT_EQ(event.kind, Kind::data);
  EXPECT_EQ(event.begin, begin);
  EXPECT_EQ(event.length, length);
  EXPECT_EQ(event.at, at);
}

TEST(TcpStageChain, WithoutStagesEverythingReadLeavesAtOnceThenTheFin) {
  Direction d({});
  EXPECT_EQ(d.step(t0).kind, Kind::idle);
  EXPECT_EQ(d.step(t0).at, kNever);
  d.arrive(100, t0);
  d.arrive(50, t0 + 1ms);
  const Event all = d.step(t0 + 2ms);
  EXPECT_EQ(all.kind, Kind::data);
  EXPECT_EQ(all.begin, 0u);
  EXPECT_EQ(all.length, 150u);
  d.end(t0 + 3ms);
  const Event fin = d.step(t0 + 3ms);
  EXPECT_EQ(fin.kind, Kind::eof);
  EXPECT_FALSE(fin.failed);
}

TEST(TcpStageChain, AFailedReadEndsInAFailedEof) {
  Direction d({});
  d.end(t0, true);
  const Event fin = d.step(t0);
  EXPECT_EQ(fin.kind, Kind::eof);
  EXPECT_TRUE(fin.failed);
}

TEST(TcpStageChain, DelayCountsFromArrivalSoChunksArePipelined) {
  Direction d({entry(1, DelayStage{fixed(100ms)})});
  d.arrive(10, t0);
  d.arrive(20, t0 + 10ms);
  expect_data(d.step(t0), 0, 10, t0 + 100ms);
  // Carried out at 100 ms; the second chunk waited there too, so it leaves at 110 ms, not 200.
  expect_data(d.step(t0 + 100ms), 10, 20, t0 + 110ms);
  d.end(t0 + 120ms);
  // The FIN is not delayed, but never overtakes the data.
  const Event fin = d.step(t0 + 120ms);
  EXPECT_EQ(fin.kind, Kind::eof);
  EXPECT_EQ(fin.at, t0 + 120ms);
}

TEST(TcpStageChain, DelayNeverReordersChunks) {
  faults::Distribution spread{faults::UniformDelay{0ms, 200ms}, std::nullopt};
  Direction d({entry(1, DelayStage{spread})}, 42);
  TimePoint last = t0;
  for (int i = 0; i < 50; ++i) d.arrive(1, t0 + std::chrono::milliseconds(i));
  for (int i = 0; i < 50; ++i) {
    const Event event = d.step(last);
    ASSERT_EQ(event.kind, Kind::data);
    EXPECT_GE(event.at, last);
    EXPECT_GE(event.at, t0 + std::chrono::milliseconds(i));
    EXPECT_LE(event.at, t0 + std::chrono::milliseconds(i) + 200ms);
    last = event.at;
  }
}

TEST(TcpStageChain, ThrottleSendsTenthsOfASecondAtTheRate) {
  Direction d({entry(1, ThrottleStage{1000})});
  d.arrive(250, t0);
  expect_data(d.step(t0), 0, 100, t0 + 100ms);
  expect_data(d.step(t0 + 100ms), 100, 100, t0 + 200ms);
  expect_data(d.step(t0 + 200ms), 200, 50, t0 + 250ms);
}

TEST(TcpStageChain, ThrottleDoesNotBurstAfterTheWriterWasHeldUp) {
  Direction d({entry(1, ThrottleStage{1000})});
  d.arrive(200, t0);
  // That write finished only at 1 s (a slow peer): the next piece still takes its 100 ms.
  expect_data(d.step(t0, t0 + 1s), 0, 100, t0 + 100ms);
  expect_data(d.step(t0 + 1s), 100, 100, t0 + 1100ms);
}

TEST(TcpStageChain, SliceCutsAverageSizedPiecesWithTheDelayAfterEach) {
  Direction d({entry(1, SliceStage{100, 0, 20ms})});
  d.arrive(250, t0);
  expect_data(d.step(t0), 0, 100, t0);
  expect_data(d.step(t0), 100, 100, t0 + 20ms);
  expect_data(d.step(t0 + 20ms), 200, 50, t0 + 40ms);
  d.arrive(10, t0 + 41ms);
  expect_data(d.step(t0 + 41ms), 250, 10, t0 + 60ms);
}

TEST(TcpStageChain, SliceSizesStayWithinTheVariation) {
  Direction d({entry(1, SliceStage{100, 30, 0ms})}, 3);
  d.arrive(60000, t0);
  std::uint64_t total = 0, smallest = 1000, largest = 0;
  while (total < 60000) {
    const Event event = d.step(t0);
    ASSERT_EQ(event.kind, Kind::data);
    total += event.length;
    if (total < 60000) {
      smallest = std::min(smallest, event.length);
      largest = std::max(largest, event.length);
    }
  }
  EXPECT_EQ(smallest, 70u);
  EXPECT_EQ(largest, 130u);
}

TEST(TcpStageChain, TruncatePassesItsBytesThenClosesTheConnection) {
  Direction d({entry(1, TruncateStage{150})});
  d.arrive(100, t0);
  d.arrive(100, t0 + 1ms);
  expect_data(d.step(t0), 0, 100, t0);
  expect_data(d.step(t0 + 1ms), 100, 50, t0 + 1ms);
  EXPECT_EQ(d.step(t0 + 1ms).kind, Kind::close);
}

TEST(TcpStageChain, TruncateToZeroClosesOnTheFirstData) {
  Direction d({entry(1, TruncateStage{0})});
  EXPECT_EQ(d.step(t0).kind, Kind::idle);
  d.arrive(5, t0 + 1ms);
  EXPECT_EQ(d.step(t0 + 1ms).kind, Kind::close);
}

TEST(TcpStageChain, HangSwallowsDataAndClosesAfterItsTimeWithoutData) {
  Direction d({entry(1, HangStage{500ms})});
  Event idle = d.step(t0);
  EXPECT_EQ(idle.kind, Kind::idle);
  EXPECT_EQ(idle.at, t0 + 500ms);
  d.arrive(10, t0 + 100ms);
  const Event dropped = d.step(t0 + 100ms);
  EXPECT_EQ(dropped.kind, Kind::drop);
  EXPECT_EQ(dropped.length, 10u);
  // Each swallowed chunk starts the clock again (Toxiproxy's timeout does the same).
  idle = d.step(t0 + 100ms);
  EXPECT_EQ(idle.at, t0 + 600ms);
  const Event closed = d.step(t0 + 600ms);
  EXPECT_EQ(closed.kind, Kind::close);
  EXPECT_EQ(closed.at, t0 + 600ms);
}

TEST(TcpStageChain, HangWithoutATimeNeverCloses) {
  Direction d({entry(1, HangStage{std::nullopt})});
  d.arrive(10, t0);
  EXPECT_EQ(d.step(t0).kind, Kind::drop);
  EXPECT_EQ(d.step(t0 + 1000s).at, kNever);
}

TEST(TcpStageChain, ResetGoesOffAfterItsTimeFromTheFirstData) {
  Direction d({entry(1, ResetStage{300ms})});
  EXPECT_EQ(d.step(t0).kind, Kind::idle);
  d.arrive(4, t0 + 50ms);
  const Event reset = d.step(t0 + 50ms);
  EXPECT_EQ(reset.kind, Kind::reset);
  EXPECT_EQ(reset.at, t0 + 350ms);
}

TEST(TcpStageChain, ResetAlsoGoesOffOnTheEndOfTheStream) {
  Direction d({entry(1, ResetStage{0ms})});
  d.end(t0 + 5ms);
  EXPECT_EQ(d.step(t0 + 5ms).kind, Kind::reset);
}

TEST(TcpStageChain, SlowCloseDelaysOnlyTheFin) {
  Direction d({entry(1, SlowCloseStage{500ms})});
  d.arrive(10, t0);
  expect_data(d.step(t0), 0, 10, t0);
  d.end(t0 + 10ms);
  const Event fin = d.step(t0 + 10ms);
  EXPECT_EQ(fin.kind, Kind::eof);
  EXPECT_EQ(fin.at, t0 + 510ms);
}

TEST(TcpStageChain, StagesRunInChainOrder) {
  // 100 ms of delay, then 1000 B/s: the throttle starts from the delayed time.
  Direction d({entry(1, DelayStage{fixed(100ms)}), entry(2, ThrottleStage{1000})});
  d.arrive(100, t0);
  expect_data(d.step(t0), 0, 100, t0 + 200ms);
}

TEST(TcpStageChain, ToxicityZeroPassesUnchanged) {
  Direction d({entry(1, DelayStage{fixed(100ms)}, 0.0)});
  EXPECT_FALSE(d.chain().applies(0));
  d.arrive(10, t0);
  expect_data(d.step(t0), 0, 10, t0);
}

TEST(TcpStageChain, ToxicityIsRolledOncePerConnection) {
  int applied = 0;
  const std::vector<ChainEntry> entries = {entry(1, DelayStage{fixed(1ms)}, 0.3)};
  for (std::uint64_t connection = 0; connection < 10000; ++connection) {
    StageChain chain(faults::Rng::for_request(99, connection));
    chain.rebuild(entries, 0, t0);
    applied += chain.applies(0);
  }
  // Binomial(10000, 0.3): sd 45.8; five sd either side.
  EXPECT_NEAR(applied, 3000, 230);
}

TEST(TcpStageChain, TheSameSeedGivesTheSameSchedule) {
  faults::Distribution spread{faults::UniformDelay{0ms, 50ms}, std::nullopt};
  auto schedule = [&](std::uint64_t seed) {
    Direction d({entry(1, DelayStage{spread}, 0.5), entry(2, SliceStage{10, 5, 1ms})}, seed);
    std::vector<TimePoint> times;
    d.arrive(200, t0);
    for (int i = 0; i < 10; ++i) times.push_back(d.step(t0 + 1s).at);
    return times;
  };
  EXPECT_EQ(schedule(5), schedule(5));
  EXPECT_NE(schedule(5), schedule(6));
}

TEST(TcpStageChain, ANewStageReachesDataNotYetSent) {
  Direction d({});
  d.arrive(10, t0);
  EXPECT_EQ(d.step(t0).kind, Kind::data);
  EXPECT_FALSE(d.rebuild({entry(1, DelayStage{fixed(200ms)})}, t0 + 1s));
  d.arrive(10, t0 + 2s);
  expect_data(d.step(t0 + 2s), 10, 10, t0 + 2s + 200ms);
}

TEST(TcpStageChain, RemovingADelayHandsItsHeldDataOnAtOnce) {
  Direction d({entry(1, DelayStage{fixed(10s)})});
  d.arrive(10, t0);
  // The relay waits for t0 + 10 s; the toxic goes away before.
  EXPECT_EQ(d.peek(t0).at, t0 + 10s);
  d.rebuild({}, t0 + 1s);
  expect_data(d.step(t0 + 1s), 0, 10, t0);
}

TEST(TcpStageChain, AStageKeepsItsCountAcrossARebuild) {
  const auto limit = entry(1, TruncateStage{15});
  Direction d({limit});
  d.arrive(10, t0);
  expect_data(d.step(t0), 0, 10, t0);
  d.rebuild({entry(2, PassStage{}), limit}, t0);
  d.arrive(10, t0);
  expect_data(d.step(t0), 10, 5, t0);
  EXPECT_EQ(d.step(t0).kind, Kind::close);
}

TEST(TcpStageChain, RemovingAnAppliedHangAsksToCloseTheConnection) {
  Direction d({entry(1, HangStage{std::nullopt})});
  EXPECT_TRUE(d.rebuild({}, t0));
  Direction skipped({entry(1, HangStage{std::nullopt}, 0.0)});
  EXPECT_FALSE(skipped.rebuild({}, t0));
}

}  // namespace
}  // namespace faultline::tcp
