#include "tcp/configured_proxies.hpp"

#include <set>

namespace faultline::tcp {

namespace {

bool same(const config::TcpProxyConfig& a, const config::TcpProxyConfig& b) {
  return a.listen.host == b.listen.host && a.listen.port == b.listen.port &&
         a.upstream.host == b.upstream.host && a.upstream.port == b.upstream.port &&
         a.enabled == b.enabled && a.connect_timeout == b.connect_timeout;
}

std::size_t index_of(Stream stream) {
  return static_cast<std::size_t>(stream);
}

}  // namespace

std::string to_string(const HostPort& address) {
  const bool ipv6 = address.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

std::vector<ChainEntry> ConfiguredProxies::chain_for(const std::string& proxy, Stream stream,
                                                     const std::vector<TcpRule>& rules) {
  std::vector<ChainEntry> chain;
  for (const TcpRule& rule : rules) {
    if (rule.proxy != proxy || rule.stream != stream) continue;
    const std::string key =
        proxy + '\n' + rule.profile + '\n' + rule.name + '\n' + std::string(to_string(stream));
    StageIdentity& identity = stages_[key];
    if (identity.id == 0) {
      identity = {next_id_++, 1, rule.probability, rule.settings};
    } else if (identity.probability != rule.probability || !(identity.settings == rule.settings)) {
      // Changed by a reload: open connections roll its probability again.
      ++identity.version;
      identity.probability = rule.probability;
      identity.settings = rule.settings;
    }
    chain.push_back(ChainEntry{identity.id, identity.version, rule.probability, rule.settings,
                               rule.name, rule.profile});
  }
  return chain;
}

std::vector<std::string> ConfiguredProxies::apply(
    const std::vector<config::TcpProxyConfig>& proxies, const std::vector<TcpRule>& rules) {
  std::vector<std::string> problems;
  std::set<std::string> wanted;
  for (const auto& proxy : proxies) wanted.insert(proxy.name);
  for (auto it = running_.begin(); it != running_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    if (!it->second.address.empty()) control_.stop(it->second.id);
    control_.forget(it->second.id);
    it = running_.erase(it);
  }
  for (const auto& proxy : proxies) {
    auto [it, added] = running_.try_emplace(proxy.name);
    Running& running = it->second;
    if (added) running.id = next_id_++;
    // Chains first: the first connection a new listener accepts already has its rules.
    for (Stream stream : {Stream::upstream, Stream::downstream}) {
      std::vector<ChainEntry> chain = chain_for(proxy.name, stream, rules);
      if (added || chain != running.chains[index_of(stream)]) {
        running.chains[index_of(stream)] = chain;
        control_.set_chain(running.id, stream, std::move(chain));
      }
    }
    const bool changed = added || !same(running.config, proxy);
    running.config = proxy;
    if (!changed) continue;
    if (!running.address.empty()) {
      control_.stop(running.id);
      running.address.clear();
    }
    if (!proxy.enabled) continue;
    ListenerControl::Result result =
        control_.start(running.id, proxy.name, to_string(proxy.listen), to_string(proxy.upstream),
                       proxy.connect_timeout);
    if (!result.error.empty()) {
      problems.push_back("tcp proxy '" + proxy.name + "': " + result.error);
      continue;
    }
    running.address = result.address;
  }
  return problems;
}

std::string ConfiguredProxies::address(const std::string& name) const {
  auto it = running_.find(name);
  return it == running_.end() ? "" : it->second.address;
}

}  // namespace faultline::tcp
