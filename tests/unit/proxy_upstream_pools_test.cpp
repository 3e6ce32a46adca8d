// Upstream pools across reloads: an unchanged route keeps its warm connections, a changed
// upstream gets a fresh pool, and requests still running under the old config find (and
// return to) theirs without keeping connections nobody will use again.
#include "proxy/upstream_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

namespace faultline::proxy {
namespace {

std::vector<config::RouteConfig> routes_to(std::string url, std::size_t max_idle = 4) {
  config::RouteConfig route;
  route.name = "api";
  route.upstream.url = std::move(url);
  route.max_idle_connections = max_idle;
  return {route};
}

class UpstreamPoolsTest : public ::testing::Test {
 protected:
  std::unique_ptr<UpstreamConnection> connection() {
    return std::make_unique<UpstreamConnection>(context_.get_executor());
  }
  boost::asio::io_context context_;
  UpstreamPools pools_;
};

TEST_F(UpstreamPoolsTest, UnchangedRouteKeepsItsPoolAndIdleConnectionsAcrossAReload) {
  const auto first = routes_to("http://127.0.0.1:9000");
  pools_.adopt(first);
  UpstreamPool& pool = pools_.for_route(first, 0);
  pool.give_back(connection());
  EXPECT_EQ(pool.idle_count(), 1u);

  const auto reloaded = routes_to("http://127.0.0.1:9000");
  pools_.adopt(reloaded);
  EXPECT_EQ(&pools_.for_route(reloaded, 0), &pool);
  EXPECT_EQ(pool.idle_count(), 1u);
  EXPECT_NE(pool.take_idle(false), nullptr);
}

TEST_F(UpstreamPoolsTest, ChangedUpstreamGetsAFreshPoolAndTheOldOneKeepsNothing) {
  const auto first = routes_to("http://127.0.0.1:9000");
  pools_.adopt(first);
  UpstreamPool& old_pool = pools_.for_route(first, 0);
  old_pool.give_back(connection());

  const auto moved = routes_to("http://127.0.0.1:9001");
  pools_.adopt(moved);
  UpstreamPool& new_pool = pools_.for_route(moved, 0);
  EXPECT_NE(&new_pool, &old_pool);
  EXPECT_EQ(new_pool.idle_count(), 0u);
  EXPECT_EQ(old_pool.idle_count(), 0u) << "idle connections to the old upstream are closed";

  // A request that started under the first config still gets its pool, and what it
  // returns there is closed rather than kept.
  EXPECT_EQ(&pools_.for_route(first, 0), &old_pool);
  old_pool.give_back(connection());
  EXPECT_EQ(old_pool.idle_count(), 0u);

  // Moving back revives the old pool.
  const auto back = routes_to("http://127.0.0.1:9000");
  pools_.adopt(back);
  EXPECT_EQ(&pools_.for_route(back, 0), &old_pool);
  old_pool.give_back(connection());
  EXPECT_EQ(old_pool.idle_count(), 1u);
}

TEST_F(UpstreamPoolsTest, ALowerIdleCapTakesEffectOnReload) {
  const auto first = routes_to("http://127.0.0.1:9000", 4);
  pools_.adopt(first);
  UpstreamPool& pool = pools_.for_route(first, 0);
  for (int i = 0; i < 4; ++i) pool.give_back(connection());
  const auto smaller = routes_to("http://127.0.0.1:9000", 1);
  pools_.adopt(smaller);
  EXPECT_EQ(pool.idle_count(), 1u);
  pool.give_back(connection());
  EXPECT_EQ(pool.idle_count(), 1u);
}

}  // namespace
}  // namespace faultline::proxy
