// The [[tcp]] proxies of the config and the TCP rules of the active profile, kept in step
// with the running config: on every reload, profile switch or kill-switch change, apply()
// starts the proxies that are new, stops the ones that are gone, restarts the ones whose
// address changed, and gives new chains to the ones whose rules changed. A proxy whose
// settings and rules stay the same is not touched, nor are its connections.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "tcp/proxy_collection.hpp"
#include "tcp/stage.hpp"

namespace faultline::tcp {

// One TCP rule of the active profile: `proxy` is its match = { tcp = "..." }.
struct TcpRule {
  std::string proxy;
  std::string name;
  std::string profile;
  Stream stream = Stream::downstream;
  double probability = 1.0;  // rolled per connection
  StageSettings settings;
};

class ConfiguredProxies {
 public:
  explicit ConfiguredProxies(ListenerControl& control) : control_(control) {}

  // Makes the running proxies those of `proxies`, with `rules` (the active profile's, or
  // none while faults are disabled). Returns one message per proxy that could not start.
  std::vector<std::string> apply(const std::vector<config::TcpProxyConfig>& proxies,
                                 const std::vector<TcpRule>& rules);

  // The address proxy `name` listens on ("" when it does not).
  std::string address(const std::string& name) const;

 private:
  struct Running {
    std::uint64_t id = 0;
    config::TcpProxyConfig config;
    std::string address;  // bound; "" when not listening
    std::vector<ChainEntry> chains[2];
  };
  struct StageIdentity {
    std::uint64_t id = 0;
    std::uint64_t version = 0;
    double probability = 0;
    StageSettings settings;
  };

  std::vector<ChainEntry> chain_for(const std::string& proxy, Stream stream,
                                    const std::vector<TcpRule>& rules);

  ListenerControl& control_;
  std::map<std::string, Running> running_;
  // (proxy, profile, rule, stream) → the stage's id, and the settings its version was for.
  std::map<std::string, StageIdentity> stages_;
  std::uint64_t next_id_ = 1ull << 48;  // apart from the Toxiproxy API's ids
};

// "host:port", with brackets around an IPv6 host.
std::string to_string(const HostPort& address);

}  // namespace faultline::tcp
