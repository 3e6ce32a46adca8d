#include "tcp/proxy_collection.hpp"

#include <algorithm>
#include <utility>

#include "tcp/go_json.hpp"

namespace faultline::tcp {

namespace {

std::size_t index_of(Stream stream) {
  return static_cast<std::size_t>(stream);
}

}  // namespace

ProxyCollection::~ProxyCollection() = default;

const ProxyEntry* ProxyCollection::find(std::string_view name) const {
  auto it = proxies_.find(name);
  return it == proxies_.end() ? nullptr : &it->second;
}

ProxyEntry* ProxyCollection::find_mutable(std::string_view name) {
  auto it = proxies_.find(name);
  return it == proxies_.end() ? nullptr : &it->second;
}

ApiError ProxyCollection::start(ProxyEntry& proxy) {
  if (proxy.enabled) return {};
  ListenerControl::Result result =
      control_.start(proxy.id, proxy.name, proxy.listen, proxy.upstream, kConnectTimeout);
  if (!result.error.empty()) return {500, result.error};
  proxy.listen = result.address;
  proxy.enabled = true;
  return {};
}

void ProxyCollection::stop(ProxyEntry& proxy) {
  if (!proxy.enabled) return;
  control_.stop(proxy.id);
  proxy.enabled = false;
}

void ProxyCollection::publish(const ProxyEntry& proxy, Stream stream) {
  control_.set_chain(proxy.id, stream, chain_of(proxy.toxics[index_of(stream)]));
}

bool ProxyCollection::differs(const ProxyEntry& proxy, const std::string& listen,
                              const std::string& upstream, ApiError& error) {
  ListenerControl::Result resolved = control_.resolve(listen);
  if (!resolved.error.empty()) {
    error = {500, resolved.error};
    return false;
  }
  return proxy.listen != resolved.address || proxy.upstream != upstream;
}

ApiError ProxyCollection::create(const ProxyInput& input) {
  if (proxies_.contains(input.name)) return {409, "proxy already exists"};
  ProxyEntry proxy;
  proxy.id = next_id_++;
  proxy.name = input.name;
  proxy.listen = input.listen.value_or("");
  proxy.upstream = input.upstream.value_or("");
  if (input.enabled.value_or(true)) {
    if (ApiError error = start(proxy)) {
      control_.forget(proxy.id);
      return error;
    }
  }
  proxies_.emplace(proxy.name, std::move(proxy));
  return {};
}

ApiError ProxyCollection::create_or_replace(const ProxyInput& input) {
  const std::string listen = input.listen.value_or("");
  const std::string upstream = input.upstream.value_or("");
  if (ProxyEntry* existing = find_mutable(input.name)) {
    ApiError error;
    const bool changed = differs(*existing, listen, upstream, error);
    if (error) return error;
    if (!changed) return {};
    stop(*existing);
  }
  ProxyEntry proxy;
  proxy.id = next_id_++;
  proxy.name = input.name;
  proxy.listen = listen;
  proxy.upstream = upstream;
  if (input.enabled.value_or(true)) {
    if (ApiError error = start(proxy)) {
      control_.forget(proxy.id);
      return error;
    }
  }
  if (ProxyEntry* existing = find_mutable(input.name)) {
    control_.forget(existing->id);
    *existing = std::move(proxy);
  } else {
    proxies_.emplace(input.name, std::move(proxy));
  }
  return {};
}

ApiError ProxyCollection::update(std::string_view name, const ProxyInput& input) {
  ProxyEntry* proxy = find_mutable(name);
  if (proxy == nullptr) return {404, "proxy not found"};
  const std::string listen = input.listen.value_or(proxy->listen);
  const std::string upstream = input.upstream.value_or(proxy->upstream);
  const bool enabled = input.enabled.value_or(proxy->enabled);
  ApiError error;
  const bool changed = differs(*proxy, listen, upstream, error);
  if (error) return error;
  if (changed) {
    stop(*proxy);
    proxy->listen = listen;
    proxy->upstream = upstream;
  }
  if (enabled != proxy->enabled) {
    if (enabled) return start(*proxy);
    stop(*proxy);
  }
  return {};
}

ApiError ProxyCollection::remove(std::string_view name) {
  auto it = proxies_.find(name);
  if (it == proxies_.end()) return {404, "proxy not found"};
  stop(it->second);
  control_.forget(it->second.id);
  proxies_.erase(it);
  return {};
}

ApiError ProxyCollection::reset() {
  for (auto& [name, proxy] : proxies_) {
    if (ApiError error = start(proxy)) return error;
    for (Stream stream : {Stream::upstream, Stream::downstream}) {
      if (proxy.toxics[index_of(stream)].empty()) continue;
      proxy.toxics[index_of(stream)].clear();
      publish(proxy, stream);
    }
  }
  return {};
}

const ToxicEntry* ProxyCollection::find_toxic(const ProxyEntry& proxy,
                                              std::string_view name) const {
  for (const auto& chain : proxy.toxics) {
    for (const auto& entry : chain) {
      if (entry.toxic.name == name) return &entry;
    }
  }
  return nullptr;
}

const ToxicEntry& ProxyCollection::add_toxic(std::string_view proxy_name, Toxic toxic) {
  ProxyEntry& proxy = *find_mutable(proxy_name);
  const Stream stream = toxic.stream;
  auto& chain = proxy.toxics[index_of(stream)];
  chain.push_back(ToxicEntry{std::move(toxic), next_id_++, 1});
  publish(proxy, stream);
  return chain.back();
}

const ToxicEntry& ProxyCollection::update_toxic(std::string_view proxy_name, const Toxic& toxic) {
  ProxyEntry& proxy = *find_mutable(proxy_name);
  auto& chain = proxy.toxics[index_of(toxic.stream)];
  auto it = std::find_if(chain.begin(), chain.end(),
                         [&](const ToxicEntry& e) { return e.toxic.name == toxic.name; });
  it->toxic = toxic;
  ++it->version;
  publish(proxy, toxic.stream);
  return *it;
}

ApiError ProxyCollection::remove_toxic(std::string_view proxy_name, std::string_view name) {
  ProxyEntry* proxy = find_mutable(proxy_name);
  if (proxy == nullptr) return {404, "proxy not found"};
  for (Stream stream : {Stream::upstream, Stream::downstream}) {
    auto& chain = proxy->toxics[index_of(stream)];
    auto it = std::find_if(chain.begin(), chain.end(),
                           [&](const ToxicEntry& e) { return e.toxic.name == name; });
    if (it == chain.end()) continue;
    chain.erase(it);
    publish(*proxy, stream);
    return {};
  }
  return {404, "toxic not found"};
}

std::vector<ChainEntry> chain_of(const std::vector<ToxicEntry>& toxics) {
  std::vector<ChainEntry> chain;
  chain.reserve(toxics.size());
  for (const auto& entry : toxics) {
    chain.push_back(ChainEntry{entry.id, entry.version, static_cast<double>(entry.toxic.toxicity),
                               to_stage(entry.toxic), entry.toxic.name,
                               std::string(kToxiproxyProfile)});
  }
  return chain;
}

std::string toxics_json(const ProxyEntry& proxy) {
  std::string out = "[";
  bool first = true;
  for (const auto& chain : proxy.toxics) {
    for (const auto& entry : chain) {
      if (!first) out += ',';
      first = false;
      out += toxic_json(entry.toxic);
    }
  }
  out += ']';
  return out;
}

std::string proxy_json(const ProxyEntry& proxy) {
  std::string out = "{\"name\":" + gojson::quote(proxy.name);
  out += ",\"listen\":" + gojson::quote(proxy.listen);
  out += ",\"upstream\":" + gojson::quote(proxy.upstream);
  out += proxy.enabled ? ",\"enabled\":true" : ",\"enabled\":false";
  out += ",\"toxics\":" + toxics_json(proxy) + "}";
  return out;
}

}  // namespace faultline::tcp
