// N event loops, each owned by one thread: a connection lives on one loop from accept to
// close, so per-connection and per-worker state (sessions, upstream pools) needs no locks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace faultline::net {

class WorkerThreads {
 public:
  explicit WorkerThreads(unsigned count);          // 0 = one per core
  static unsigned count_for(unsigned configured);  // what 0 means here
  ~WorkerThreads();

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }

  void start();
  // Lets each loop return once it has no more work (drain), or forces it now.
  void release();
  void stop_now();
  void join();
  // Waits until every loop has returned; false when the deadline came first.
  bool wait_until_idle(std::chrono::steady_clock::time_point deadline);

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::mutex finished_mutex_;
  std::condition_variable finished_changed_;
  std::size_t finished_ = 0;
};

}  // namespace faultline::net
