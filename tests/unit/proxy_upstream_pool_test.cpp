// The upstream pool keeps what demand needs: as many idle connections as requests recently
// had in flight at once, and at least max_idle.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "proxy/upstream_pool.hpp"

namespace faultline::proxy {
namespace {

using std::chrono::seconds;

struct PoolFixture : ::testing::Test {
  boost::asio::io_context io;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();

  std::unique_ptr<UpstreamConnection> connection() {
    return std::make_unique<UpstreamConnection>(io.get_executor());
  }
  // `count` requests in flight at once, all finishing in one burst.
  void burst(UpstreamPool& pool, int count) {
    std::vector<std::unique_ptr<UpstreamPool::Use>> uses;
    for (int i = 0; i < count; ++i) {
      uses.push_back(std::make_unique<UpstreamPool::Use>(pool));
      // Reuse what is idle; open the rest.
      if (auto idle = pool.take_idle(false); idle == nullptr) ++opened;
    }
    for (int i = 0; i < count; ++i) {
      pool.give_back(connection(), now);
      uses[i].reset();
    }
  }
  int opened = 0;
};

TEST_F(PoolFixture, ABurstFindsAsManyWarmConnectionsAsTheLastOne) {
  UpstreamPool pool(2);
  burst(pool, 10);
  EXPECT_EQ(opened, 10);
  EXPECT_EQ(pool.idle_count(), 10u);  // a fixed cap of 2 would have closed 8
  opened = 0;
  burst(pool, 10);
  EXPECT_EQ(opened, 0) << "no connect once the pool is warm";
}

TEST_F(PoolFixture, WhenDemandGoesTheSurplusIsClosed) {
  UpstreamPool pool(2);
  burst(pool, 10);
  now += seconds(11);
  burst(pool, 1);  // the 10-request peak is now the previous window's
  EXPECT_EQ(pool.idle_count(), 10u);
  now += seconds(11);
  burst(pool, 1);  // and now it has aged out: back to max_idle
  EXPECT_EQ(pool.idle_count(), 2u);
}

TEST_F(PoolFixture, WithoutConcurrencyMaxIdleIsTheCap) {
  UpstreamPool pool(2);
  for (int i = 0; i < 5; ++i) {
    const UpstreamPool::Use use(pool);
    pool.give_back(connection(), now);
  }
  EXPECT_EQ(pool.idle_count(), 2u);
}

TEST_F(PoolFixture, TakenConnectionsAreReusedNewestFirst) {
  UpstreamPool pool(4);
  auto first = connection();
  auto* first_address = first.get();
  {
    const UpstreamPool::Use use(pool);
    pool.give_back(std::move(first));
  }
  // Idle only briefly and no body to send: handed out without a check.
  auto taken = pool.take_idle(false);
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(taken.get(), first_address);
  EXPECT_TRUE(taken->reused);
  EXPECT_EQ(pool.take_idle(false), nullptr);
}

}  // namespace
}  // namespace faultline::proxy
