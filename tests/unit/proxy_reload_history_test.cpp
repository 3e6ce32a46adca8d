// The live page's list of recent reloads: newest first, bounded, every reload counted.
#include "proxy/reload_history.hpp"

#include <gtest/gtest.h>

namespace faultline::proxy {
namespace {

ReloadEvent event(std::string trigger, bool success) {
  return ReloadEvent{std::chrono::system_clock::time_point{}, std::move(trigger), success, {}, {}};
}

TEST(ReloadHistory, ListsReloadsNewestFirst) {
  ReloadHistory history;
  history.record(event("SIGHUP", true));
  history.record(event("file change", false));
  const ReloadLog log = history.log();
  EXPECT_EQ(log.total, 2u);
  ASSERT_EQ(log.recent.size(), 2u);
  EXPECT_EQ(log.recent[0].trigger, "file change");
  EXPECT_FALSE(log.recent[0].success);
  EXPECT_EQ(log.recent[1].trigger, "SIGHUP");
}

TEST(ReloadHistory, KeepsOnlyTheLastFewButCountsThemAll) {
  ReloadHistory history(3);
  for (int i = 0; i < 10; ++i) history.record(event(std::to_string(i), true));
  const ReloadLog log = history.log();
  EXPECT_EQ(log.total, 10u);
  ASSERT_EQ(log.recent.size(), 3u);
  EXPECT_EQ(log.recent[0].trigger, "9");
  EXPECT_EQ(log.recent[2].trigger, "7");
}

TEST(ReloadHistory, StartsEmpty) {
  const ReloadLog log = ReloadHistory().log();
  EXPECT_EQ(log.total, 0u);
  EXPECT_TRUE(log.recent.empty());
}

}  // namespace
}  // namespace faultline::proxy
