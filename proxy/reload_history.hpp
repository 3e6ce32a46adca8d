// The last few config reloads and their results, for the live page: a small ring, so a
// proxy reloaded every few seconds for months holds the same few entries. Reloads are
// rare, so a mutex is fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

#include "proxy/admin_control.hpp"

namespace faultline::proxy {

class ReloadHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = 20;
  explicit ReloadHistory(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  void record(ReloadEvent event);
  ReloadLog log() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::uint64_t total_ = 0;
  std::deque<ReloadEvent> events_;  // newest first
};

}  // namespace faultline::proxy
