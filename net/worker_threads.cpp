#include "net/worker_threads.hpp"

#include <spdlog/spdlog.h>

namespace faultline::net {

unsigned WorkerThreads::count_for(unsigned configured) {
  return configured != 0 ? configured : std::max(1u, std::thread::hardware_concurrency());
}

WorkerThreads::WorkerThreads(unsigned count) {
  count = count_for(count);
  for (unsigned i = 0; i < count; ++i) {
    // Concurrency hint 1: each context is only ever run by its own thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

WorkerThreads::~WorkerThreads() {
  stop_now();
  join();
}

void WorkerThreads::start() {
  for (auto& context : contexts_) {
    threads_.emplace_back([this, ctx = context.get()] {
      for (;;) {
        try {
          ctx->run();
          std::lock_guard lock(finished_mutex_);
          ++finished_;
          finished_changed_.notify_all();
          return;
        } catch (const std::exception& e) {
          // A session must never take the process down; log and keep serving.
          spdlog::error("worker: unexpected exception: {}", e.what());
        }
      }
    });
  }
}

void WorkerThreads::release() {
  for (auto& guard : guards_) guard.reset();
}

void WorkerThreads::stop_now() {
  for (auto& context : contexts_) context->stop();
}

bool WorkerThreads::wait_until_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(finished_mutex_);
  return finished_changed_.wait_until(lock, deadline,
                                      [this] { return finished_ == threads_.size(); });
}

void WorkerThreads::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace faultline::net
