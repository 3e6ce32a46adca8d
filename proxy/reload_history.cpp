#include "proxy/reload_history.hpp"

namespace faultline::proxy {

void ReloadHistory::record(ReloadEvent event) {
  std::lock_guard lock(mutex_);
  ++total_;
  events_.push_front(std::move(event));
  while (events_.size() > capacity_) events_.pop_back();
}

ReloadLog ReloadHistory::log() const {
  std::lock_guard lock(mutex_);
  return ReloadLog{total_, {events_.begin(), events_.end()}};
}

}  // namespace faultline::proxy
