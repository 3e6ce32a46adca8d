#include "tcp/kill_switch.hpp"

namespace faultline::tcp {

void KillSwitchedListeners::set_enabled(bool enabled) {
  if (enabled == enabled_) return;
  enabled_ = enabled;
  for (const auto& [key, entries] : chains_) {
    if (entries.empty()) continue;
    runtime_.set_chain(key.first, key.second, enabled_ ? entries : std::vector<ChainEntry>{});
  }
}

void KillSwitchedListeners::set_chain(std::uint64_t id, Stream stream,
                                      std::vector<ChainEntry> entries) {
  auto& kept = chains_[{id, stream}];
  kept = std::move(entries);
  runtime_.set_chain(id, stream, enabled_ ? kept : std::vector<ChainEntry>{});
}

void KillSwitchedListeners::forget(std::uint64_t id) {
  std::erase_if(chains_, [id](const auto& item) { return item.first.first == id; });
  runtime_.forget(id);
}

}  // namespace faultline::tcp
