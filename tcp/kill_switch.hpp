// The kill switch for the Toxiproxy API's toxics inside `faultline proxy`: a ListenerControl
// between the API's ProxyCollection and the runtime that passes every call on, except that
// while faults are disabled each proxy's chains reach the runtime empty. The collection
// keeps its toxics (GET /proxies still lists them, as the config still lists its rules), and
// enabling faults again gives the open connections their chains back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tcp/proxy_collection.hpp"

namespace faultline::tcp {

class KillSwitchedListeners final : public ListenerControl {
 public:
  explicit KillSwitchedListeners(ListenerControl& runtime) : runtime_(runtime) {}

  // Called under the same lock as the collection's calls (the API's mutex).
  void set_enabled(bool enabled);
  bool enabled() const { return enabled_; }

  Result start(std::uint64_t id, const std::string& name, const std::string& listen,
               const std::string& upstream, Duration connect_timeout) override {
    return runtime_.start(id, name, listen, upstream, connect_timeout);
  }
  void stop(std::uint64_t id) override { runtime_.stop(id); }
  void set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) override;
  void forget(std::uint64_t id) override;
  Result resolve(const std::string& listen) override { return runtime_.resolve(listen); }

 private:
  ListenerControl& runtime_;
  bool enabled_ = true;
  std::map<std::pair<std::uint64_t, Stream>, std::vector<ChainEntry>> chains_;  // as given
};

}  // namespace faultline::tcp
