// Live changes: reloads, profile switches and the kill switch each publish a new snapshot;
// a rejected file changes nothing; a profile chosen over the API survives reloads that do
// not contradict it.
#include "proxy/live_config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "faults/rule.hpp"
#include "metrics/proxy_metrics.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {
namespace {

std::string config_text(std::string_view active, std::string_view extra = "") {
  return "[faults]\nactive_profile = \"" + std::string(active) + "\"\n" + std::string(extra) + R"(
[[faults.profiles.flaky]]
name = "errors"
abort = 503

[[faults.profiles.slow]]
name = "fixed"
delay = "100ms"

[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
)";
}

class LiveConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("faultline-live-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml"))
                .string();
    write(config_text("flaky"));
    auto loaded = config::load_config_file(path_);
    ASSERT_TRUE(loaded.config.has_value());
    auto config = std::make_shared<const config::Config>(std::move(*loaded.config));
    faults_ = std::make_unique<FaultRuntime>(config->faults);
    live_ = std::make_unique<LiveConfig>(config, path_, metrics_, *faults_);
    live_->set_publisher([this](std::shared_ptr<const Snapshot> s) { published_.push_back(s); });
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
  std::string active() const { return live_->current()->active_profile->name; }
  bool gauge_shows(std::string_view profile) const {
    return metrics_.exposition().find("faultline_active_profile{profile=\"" + std::string(profile) +
                                      "\"} 1") != std::string::npos;
  }
  bool reloads_counted(std::string_view result, int count) const {
    return metrics_.exposition().find("faultline_config_reloads_total{result=\"" +
                                      std::string(result) + "\"} " + std::to_string(count)) !=
           std::string::npos;
  }

  std::string path_;
  metrics::ProxyMetrics metrics_;
  std::unique_ptr<FaultRuntime> faults_;
  std::unique_ptr<LiveConfig> live_;
  std::vector<std::shared_ptr<const Snapshot>> published_;
};

TEST_F(LiveConfigTest, StartsWithTheFilesProfile) {
  EXPECT_EQ(active(), "flaky");
  EXPECT_TRUE(live_->current()->faults_enabled);
  EXPECT_TRUE(gauge_shows("flaky"));
  EXPECT_TRUE(published_.empty()) << "the first snapshot is taken, not published";
}

TEST_F(LiveConfigTest, SwitchPublishesASnapshotWithTheProfileAndMovesTheGauge) {
  const auto before = live_->current();
  ASSERT_TRUE(live_->switch_profile("slow"));
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0]->active_profile->name, "slow");
  EXPECT_EQ(published_[0]->config, before->config) << "same config, new profile";
  EXPECT_EQ(before->active_profile->name, "flaky") << "the old snapshot is never modified";
  EXPECT_TRUE(gauge_shows("slow"));
  EXPECT_FALSE(gauge_shows("flaky"));

  EXPECT_FALSE(live_->switch_profile("nope"));
  EXPECT_EQ(published_.size(), 1u);
  EXPECT_EQ(active(), "slow");
}

TEST_F(LiveConfigTest, KillSwitchPublishesDisabledSnapshotsUntilEnabled) {
  live_->set_faults_enabled(false);
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_FALSE(published_.back()->faults_enabled);
  EXPECT_TRUE(gauge_shows("none"));
  live_->set_faults_enabled(false);
  EXPECT_EQ(published_.size(), 1u) << "no change, nothing published";

  ASSERT_EQ(live_->reload("test").result, ReloadOutcome::Result::success);
  EXPECT_FALSE(live_->current()->faults_enabled) << "a reload does not undo the kill switch";

  live_->set_faults_enabled(true);
  EXPECT_TRUE(live_->current()->faults_enabled);
  EXPECT_TRUE(gauge_shows("flaky"));
}

TEST_F(LiveConfigTest, ReloadAppliesTheFileAndCountsIt) {
  write(config_text("slow"));
  const auto outcome = live_->reload("test");
  EXPECT_EQ(outcome.result, ReloadOutcome::Result::success);
  EXPECT_TRUE(outcome.errors.empty());
  EXPECT_EQ(active(), "slow");
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_TRUE(reloads_counted("success", 1));
}

TEST_F(LiveConfigTest, RejectedFileKeepsTheRunningConfigAndCountsAFailure) {
  const auto before = live_->current();
  write(config_text("slow", "bogus = 1\n"));
  const auto outcome = live_->reload("test");
  EXPECT_EQ(outcome.result, ReloadOutcome::Result::failure);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0], path_ + ":3:1: faults.bogus: unknown key 'bogus'");
  EXPECT_EQ(live_->current(), before);
  EXPECT_TRUE(published_.empty());
  EXPECT_TRUE(reloads_counted("failure", 1));
  EXPECT_TRUE(reloads_counted("success", 0));

  std::filesystem::remove(path_);
  EXPECT_EQ(live_->reload("test").result, ReloadOutcome::Result::failure);
  EXPECT_EQ(live_->current(), before);
}

TEST_F(LiveConfigTest, ReloadsAreListedWithTheirTriggerAndResult) {
  EXPECT_EQ(live_->reloads().total, 0u);
  write(config_text("slow", "bogus = 1\n"));
  live_->reload("admin API");
  write(config_text("slow"));
  live_->reload("SIGHUP");
  live_->reload_if_changed();  // the same bytes again: not a reload
  const ReloadLog log = live_->reloads();
  EXPECT_EQ(log.total, 2u);
  ASSERT_EQ(log.recent.size(), 2u);
  EXPECT_EQ(log.recent[0].trigger, "SIGHUP");
  EXPECT_TRUE(log.recent[0].success);
  EXPECT_EQ(log.recent[1].trigger, "admin API");
  EXPECT_FALSE(log.recent[1].success);
  EXPECT_EQ(log.recent[1].errors,
            std::vector<std::string>{path_ + ":3:1: faults.bogus: unknown key 'bogus'"});
}

TEST_F(LiveConfigTest, ChosenProfileSurvivesReloadsThatDoNotContradictIt) {
  ASSERT_TRUE(live_->switch_profile("slow"));
  write(config_text("flaky", "seed = 7\n"));  // same active_profile in the file
  ASSERT_EQ(live_->reload("test").result, ReloadOutcome::Result::success);
  EXPECT_EQ(active(), "slow");

  write(config_text("none"));  // the file's author now names another profile: theirs wins
  ASSERT_EQ(live_->reload("test").result, ReloadOutcome::Result::success);
  EXPECT_EQ(active(), "none");
}

TEST_F(LiveConfigTest, ChosenProfileRemovedFromTheFileFallsBackToTheFilesProfile) {
  ASSERT_TRUE(live_->switch_profile("slow"));
  write(
      "[faults]\nactive_profile = \"flaky\"\n[[faults.profiles.flaky]]\nname = \"e\"\n"
      "abort = 500\n[[routes]]\nname = \"api\"\nupstream = \"http://127.0.0.1:9000\"\n");
  ASSERT_EQ(live_->reload("test").result, ReloadOutcome::Result::success);
  EXPECT_EQ(active(), "flaky");
}

TEST_F(LiveConfigTest, WatcherReloadsOnlyWhenTheBytesChanged) {
  EXPECT_EQ(live_->reload_if_changed().result, ReloadOutcome::Result::unchanged);
  EXPECT_TRUE(published_.empty());
  write(config_text("slow"));
  EXPECT_EQ(live_->reload_if_changed().result, ReloadOutcome::Result::success);
  EXPECT_EQ(live_->reload_if_changed().result, ReloadOutcome::Result::unchanged);
  write(config_text("slow", "bogus = 1\n"));
  EXPECT_EQ(live_->reload_if_changed().result, ReloadOutcome::Result::failure);
  EXPECT_EQ(live_->reload_if_changed().result, ReloadOutcome::Result::failure)
      << "an invalid file is reported again until fixed, not taken as unchanged";
}

TEST(LiveConfigWithoutFile, ReloadSaysThereIsNoFile) {
  metrics::ProxyMetrics metrics;
  auto config = std::make_shared<const config::Config>();
  FaultRuntime faults(config->faults);
  LiveConfig live(config, "", metrics, faults);
  EXPECT_EQ(live.reload("test").result, ReloadOutcome::Result::no_file);
  EXPECT_EQ(live.current()->active_profile->name, "none");
}

TEST(FaultRuntimeReload, NewSeedRestartsTheSequenceAndSameSeedContinuesIt) {
  config::FaultsConfig settings;
  settings.seed = 5;
  FaultRuntime runtime(settings);
  runtime.next_request_rng();
  runtime.next_request_rng();
  runtime.configure(settings);
  EXPECT_EQ(runtime.next_request_rng(), faults::Rng::for_request(5, 2));
  settings.seed = 6;
  runtime.configure(settings);
  EXPECT_EQ(runtime.next_request_rng(), faults::Rng::for_request(6, 0))
      << "the run after the reload is the one a fresh process with seed 6 makes";
}

TEST(FaultRuntimeReload, NewCapAppliesToFaultsStartingFromNow) {
  config::FaultsConfig settings;
  FaultRuntime runtime(settings);
  EXPECT_TRUE(runtime.begin_fault());
  settings.max_active_faults = 1;
  runtime.configure(settings);
  EXPECT_FALSE(runtime.begin_fault()) << "one is already in progress";
  runtime.end_fault();
  EXPECT_TRUE(runtime.begin_fault());
}

}  // namespace
}  // namespace faultline::proxy
