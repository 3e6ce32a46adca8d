// The proxies and toxics of the Toxiproxy API, with toxiproxy-server's rules (tcp/README.md):
// unique names, create/update/populate/reset semantics, toxics per direction in insertion
// order. The sockets are someone else's: every change that needs a listener or an open
// connection to act goes through ListenerControl (TcpRuntime in the binary, a fake in the
// unit tests), so the rules are tested without a network.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tcp/stage.hpp"
#include "tcp/toxic.hpp"

namespace faultline::tcp {

class ListenerControl {
 public:
  virtual ~ListenerControl() = default;
  struct Result {
    std::string address;  // bound or resolved, "127.0.0.1:26379" ("[::1]:1" for IPv6)
    std::string error;    // non-empty on failure, e.g. "listen tcp 127.0.0.1:1: bind: ..."
  };
  // Binds `listen` and proxies each connection it accepts to `upstream`, with the chains
  // last given to set_chain for `id`.
  virtual Result start(std::uint64_t id, const std::string& name, const std::string& listen,
                       const std::string& upstream, Duration connect_timeout) = 0;
  // Closes the listener of `id` and every connection it accepted.
  virtual void stop(std::uint64_t id) = 0;
  // The stages of one direction of `id` are now `entries`; open connections follow.
  virtual void set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) = 0;
  // `id` is gone for good (after stop).
  virtual void forget(std::uint64_t id) = 0;
  // The address `listen` names, as Go's net.ResolveTCPAddr prints it ("localhost:26379" →
  // "127.0.0.1:26379"), to tell whether an update changes the listener.
  virtual Result resolve(const std::string& listen) = 0;
};

struct ApiError {
  unsigned status = 0;  // 0: no error
  std::string message;
  explicit operator bool() const { return status != 0; }
};

struct ToxicEntry {
  Toxic toxic;
  std::uint64_t id = 0;
  std::uint64_t version = 0;
};

struct ProxyEntry {
  std::uint64_t id = 0;
  std::string name;
  std::string listen;
  std::string upstream;
  bool enabled = false;
  std::vector<ToxicEntry> toxics[2];  // indexed by Stream: the upstream chain, the downstream one
};

// What a create, update or populate entry asks for; absent fields are nullopt.
struct ProxyInput {
  std::string name;
  std::optional<std::string> listen;
  std::optional<std::string> upstream;
  std::optional<bool> enabled;
};

class ProxyCollection {
 public:
  // How long a connection may take to reach its upstream (toxiproxy-server waits for the
  // system's connect timeout).
  static constexpr Duration kConnectTimeout = std::chrono::seconds(10);

  explicit ProxyCollection(ListenerControl& control) : control_(control) {}
  ~ProxyCollection();

  const std::map<std::string, ProxyEntry, std::less<>>& proxies() const { return proxies_; }
  const ProxyEntry* find(std::string_view name) const;

  // POST /proxies: name and upstream already checked present.
  ApiError create(const ProxyInput& input);
  // One /populate entry: kept when listen and upstream do not differ, else replaced.
  ApiError create_or_replace(const ProxyInput& input);
  // POST/PATCH /proxies/{name}.
  ApiError update(std::string_view name, const ProxyInput& input);
  ApiError remove(std::string_view name);
  // POST /reset: every proxy enabled, every toxic removed.
  ApiError reset();

  // The toxic called `name` on `proxy` (either direction), or nullptr.
  const ToxicEntry* find_toxic(const ProxyEntry& proxy, std::string_view name) const;
  // Adds at the end of its direction's chain (name already checked free).
  const ToxicEntry& add_toxic(std::string_view proxy, Toxic toxic);
  // Replaces the toxic of that name with `toxic` (its attributes and toxicity changed).
  const ToxicEntry& update_toxic(std::string_view proxy, const Toxic& toxic);
  ApiError remove_toxic(std::string_view proxy, std::string_view toxic);

 private:
  ApiError start(ProxyEntry& proxy);
  void stop(ProxyEntry& proxy);
  void publish(const ProxyEntry& proxy, Stream stream);
  ProxyEntry* find_mutable(std::string_view name);
  // Whether `input`'s listen and upstream differ from `proxy`'s (Toxiproxy's Differs).
  bool differs(const ProxyEntry& proxy, const std::string& listen, const std::string& upstream,
               ApiError& error);

  ListenerControl& control_;
  std::map<std::string, ProxyEntry, std::less<>> proxies_;
  std::uint64_t next_id_ = 1;
};

// The `profile` label of the API's toxics in faultline_tcp_faults_injected_total.
inline constexpr std::string_view kToxiproxyProfile = "toxiproxy";

// The proxy as the API shows it: {"name","listen","upstream","enabled","toxics":[...]}.
std::string proxy_json(const ProxyEntry& proxy);
// Its toxics, the upstream chain first: [...].
std::string toxics_json(const ProxyEntry& proxy);
// The stages a chain of toxics makes.
std::vector<ChainEntry> chain_of(const std::vector<ToxicEntry>& toxics);

}  // namespace faultline::tcp
