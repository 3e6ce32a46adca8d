// The kill switch over the Toxiproxy API's chains: disabled, the runtime gets empty chains
// and the toxics are kept; enabled again, the runtime gets them back.
#include "tcp/kill_switch.hpp"

#include <gtest/gtest.h>

#include <map>

namespace faultline::tcp {
namespace {

class RecordingRuntime final : public ListenerControl {
 public:
  Result start(std::uint64_t, const std::string&, const std::string& listen, const std::string&,
               Duration) override {
    ++starts;
    return {listen, ""};
  }
  void stop(std::uint64_t) override { ++stops; }
  void set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) override {
    chains[{id, stream}] = std::move(entries);
    ++chain_calls;
  }
  void forget(std::uint64_t id) override { forgotten.push_back(id); }
  Result resolve(const std::string& listen) override { return {listen, ""}; }

  int starts = 0;
  int stops = 0;
  int chain_calls = 0;
  std::map<std::pair<std::uint64_t, Stream>, std::vector<ChainEntry>> chains;
  std::vector<std::uint64_t> forgotten;
};

const std::vector<ChainEntry>& chain(RecordingRuntime& runtime, std::uint64_t id, Stream stream) {
  return runtime.chains[std::make_pair(id, stream)];
}

ChainEntry latency_entry(std::uint64_t id) {
  faults::Distribution fixed;
  fixed.shape = faults::FixedDelay{std::chrono::milliseconds(100)};
  return ChainEntry{id, 1, 1.0, DelayStage{fixed}, "latency_downstream", "toxiproxy"};
}

TEST(TcpKillSwitch, PassesEverythingOnWhileEnabled) {
  RecordingRuntime runtime;
  KillSwitchedListeners listeners(runtime);
  EXPECT_EQ(listeners.start(1, "redis", "127.0.0.1:0", "127.0.0.1:6379", Duration(1)).address,
            "127.0.0.1:0");
  listeners.set_chain(1, Stream::downstream, {latency_entry(7)});
  EXPECT_EQ(chain(runtime, 1, Stream::downstream).size(), 1u);
  listeners.stop(1);
  listeners.forget(1);
  EXPECT_EQ(runtime.starts, 1);
  EXPECT_EQ(runtime.stops, 1);
  EXPECT_EQ(runtime.forgotten, std::vector<std::uint64_t>{1});
}

TEST(TcpKillSwitch, DisabledTheRuntimeGetsEmptyChainsAndEnabledThemBack) {
  RecordingRuntime runtime;
  KillSwitchedListeners listeners(runtime);
  listeners.set_chain(1, Stream::downstream, {latency_entry(7)});
  listeners.set_chain(1, Stream::upstream, {});
  const int calls = runtime.chain_calls;

  listeners.set_enabled(false);
  EXPECT_TRUE(chain(runtime, 1, Stream::downstream).empty());
  EXPECT_EQ(runtime.chain_calls, calls + 1);  // an empty chain is not sent again
  // A toxic added while disabled is kept for later.
  listeners.set_chain(2, Stream::upstream, {latency_entry(8)});
  EXPECT_TRUE(chain(runtime, 2, Stream::upstream).empty());
  listeners.set_enabled(false);  // no change, nothing sent
  EXPECT_EQ(runtime.chain_calls, calls + 2);

  listeners.set_enabled(true);
  EXPECT_EQ(chain(runtime, 1, Stream::downstream), std::vector<ChainEntry>{latency_entry(7)});
  EXPECT_EQ(chain(runtime, 2, Stream::upstream), std::vector<ChainEntry>{latency_entry(8)});

  // A forgotten proxy's chains do not come back.
  listeners.forget(2);
  runtime.chains.erase(std::make_pair(2, Stream::upstream));
  listeners.set_enabled(false);
  listeners.set_enabled(true);
  EXPECT_EQ(runtime.chains.count(std::make_pair(2, Stream::upstream)), 0u);
}

}  // namespace
}  // namespace faultline::tcp
