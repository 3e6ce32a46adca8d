// The Toxiproxy API's toxics as faultline TCP rules in GET /api/v1/config: every stage
// reads back as the action that makes it, and a toxic is written as a config rule is.
#include "tcp/toxiproxy_config.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "tcp/tcp_rules.hpp"

namespace faultline::tcp {
namespace {

using std::chrono::milliseconds;

TEST(TcpToxiproxyConfig, EveryStageReadsBackAsTheActionThatMakesIt) {
  faults::Distribution fixed;
  fixed.shape = faults::FixedDelay{milliseconds(10)};
  const std::vector<StageSettings> stages{
      DelayStage{fixed},
      ThrottleStage{64'000},
      ResetStage{milliseconds(250)},
      HangStage{std::nullopt},
      HangStage{milliseconds(500)},
      TruncateStage{1000},
      SliceStage{64, 16, Duration(300)},
      SlowCloseStage{milliseconds(20)},
  };
  for (const StageSettings& stage : stages) {
    const auto action = action_of(stage);
    ASSERT_TRUE(action.has_value()) << kind_name(stage);
    EXPECT_EQ(stage_of(*action), stage) << kind_name(stage);
    EXPECT_EQ(faults::kind_name(*action), kind_name(stage));
  }
  EXPECT_FALSE(action_of(PassStage{}).has_value());
}

TEST(TcpToxiproxyConfig, AToxicIsWrittenAsATcpRuleOfTheConfig) {
  Toxic latency;
  latency.name = "slow";
  latency.type = ToxicType::latency;
  latency.stream_name = "UpStream";
  latency.stream = Stream::upstream;
  latency.toxicity = 0.3f;
  latency.attributes.latency = 40;
  latency.attributes.jitter = 10;
  EXPECT_EQ(boost::json::serialize(toxic_rule_json("cache", latency)),
            R"({"name":"slow","probability":3E-1,"match":{"tcp":"cache"},"stream":"upstream",)"
            R"("delay":{"distribution":"uniform","min":"30ms","max":"50ms"}})");

  Toxic noop;
  noop.name = "noop_downstream";
  EXPECT_EQ(boost::json::serialize(toxic_rule_json("cache", noop)),
            R"({"name":"noop_downstream","probability":1E0,"match":{"tcp":"cache"},)"
            R"("stream":"downstream","noop":{}})");
}

}  // namespace
}  // namespace faultline::tcp
