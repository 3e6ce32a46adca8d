// The Toxiproxy-compatible API (tcp/toxiproxy_api.hpp over a ProxyCollection) driven by a
// sequence of requests, each any method, target and body, against listeners that only
// record what they are told. Beyond "no crash", after every request:
// - its status is one toxiproxy-server answers, a JSON answer parses, and an error object
//   carries its own status and a message;
// - what the listeners were told agrees with the collection: exactly the enabled proxies
//   listen, each direction's chain is the proxy's toxics in order, and no listener outlives
//   its proxy;
// - a proxy's toxic names are unique, and GET /proxies lists exactly the proxies there are.
//
// Input: requests one after another, each a method byte, then its target and its body
// (each up to '\n').
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tcp/proxy_collection.hpp"
#include "tcp/toxiproxy_api.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace tcp = faultline::tcp;
using faultline::faults::Stream;

// Records what the collection asks of the sockets. Listening on port 1 fails, as binding a
// privileged port does, so the API's failure paths are reached too.
class RecordingListeners final : public tcp::ListenerControl {
 public:
  Result start(std::uint64_t id, const std::string&, const std::string& listen, const std::string&,
               tcp::Duration) override {
    const Result resolved = resolve(listen);
    if (!resolved.error.empty()) return resolved;
    if (resolved.address.ends_with(":1")) return {"", "listen tcp " + listen + ": bind: denied"};
    FUZZ_CHECK(listening.count(id) == 0);  // never started twice
    listening[id] = resolved.address;
    return resolved;
  }
  void stop(std::uint64_t id) override {
    FUZZ_CHECK(listening.erase(id) == 1);  // only what was started is stopped
  }
  void set_chain(std::uint64_t id, Stream stream, std::vector<tcp::ChainEntry> entries) override {
    chains[{id, stream}] = std::move(entries);
  }
  void forget(std::uint64_t id) override {
    FUZZ_CHECK(listening.count(id) == 0);  // forgotten only once stopped
    chains.erase({id, Stream::upstream});
    chains.erase({id, Stream::downstream});
  }
  Result resolve(const std::string& listen) override {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return {"", "address " + listen + ": missing port in address"};
    std::string host = listen.substr(0, colon);
    if (host.empty() || host == "localhost") host = "127.0.0.1";
    const std::string port = listen.substr(colon + 1);
    if (port == "0") return {host + ":" + std::to_string(40000 + next_port++ % 1000), ""};
    return {host + ":" + port, ""};
  }

  std::map<std::uint64_t, std::string> listening;
  std::map<std::pair<std::uint64_t, Stream>, std::vector<tcp::ChainEntry>> chains;

 private:
  unsigned next_port = 0;
};

constexpr std::string_view kMethods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "get"};

bool known_status(unsigned status) {
  switch (status) {
    case 200:
    case 201:
    case 204:
    case 400:
    case 403:
    case 404:
    case 405:
    case 409:
    case 500:
      return true;
    default:
      return false;
  }
}

void check_answer(const faultline::http::Response& response) {
  FUZZ_CHECK(known_status(response.status));
  boost::system::error_code ec;
  if (response.content_type == "application/json") {
    (void)boost::json::parse(response.body, ec);
    FUZZ_CHECK(!ec);
  }
  if (response.status >= 400 && response.body.starts_with("{")) {
    const boost::json::value error = boost::json::parse(response.body, ec);
    FUZZ_CHECK(!ec && error.is_object());
    const auto& object = error.as_object();
    FUZZ_CHECK(object.contains("error") && object.at("error").is_string());
    FUZZ_CHECK(object.contains("status") && object.at("status").is_int64());
    FUZZ_CHECK(object.at("status").as_int64() == response.status);
  }
}

void check_state(const tcp::ProxyCollection& proxies, const RecordingListeners& listeners,
                 const tcp::ToxiproxyApi& api) {
  std::set<std::uint64_t> ids;
  for (const auto& [name, proxy] : proxies.proxies()) {
    FUZZ_CHECK(name == proxy.name);
    ids.insert(proxy.id);
    FUZZ_CHECK(proxy.enabled == (listeners.listening.count(proxy.id) == 1));
    std::set<std::string> toxic_names;
    for (const Stream stream : {Stream::upstream, Stream::downstream}) {
      const auto& toxics = proxy.toxics[static_cast<std::size_t>(stream)];
      const auto chain = listeners.chains.find({proxy.id, stream});
      const std::size_t published = chain == listeners.chains.end() ? 0 : chain->second.size();
      FUZZ_CHECK(published == toxics.size());
      for (std::size_t i = 0; i < toxics.size(); ++i) {
        FUZZ_CHECK(toxics[i].toxic.stream == stream);
        FUZZ_CHECK(toxic_names.insert(toxics[i].toxic.name).second);
        FUZZ_CHECK(chain->second[i].rule == toxics[i].toxic.name);
      }
    }
  }
  for (const auto& [id, address] : listeners.listening) FUZZ_CHECK(ids.count(id) == 1);

  faultline::http::Request list;
  list.method = "GET";
  list.target = "/proxies";
  const faultline::http::Response listed = api.handle(list);
  FUZZ_CHECK(listed.status == 200);
  boost::system::error_code ec;
  const boost::json::value all = boost::json::parse(listed.body, ec);
  FUZZ_CHECK(!ec && all.is_object() && all.as_object().size() == proxies.proxies().size());
  for (const auto& [name, proxy] : proxies.proxies()) FUZZ_CHECK(all.as_object().contains(name));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  faultline::fuzz::FuzzInput input(data, size);
  RecordingListeners listeners;
  tcp::ProxyCollection proxies(listeners);
  const tcp::ToxiproxyApi api(proxies, "2.12.0+faultline.fuzz", [] { return "metrics\n"; });
  for (int round = 0; round < 32 && !input.rest().empty(); ++round) {
    const std::uint8_t flags = input.byte();
    faultline::http::Request request;
    request.method = kMethods[(flags & 0x7f) % std::size(kMethods)];
    request.user_agent = (flags & 0x80) ? "Mozilla/5.0" : "toxiproxy-cli";
    request.target = input.line();
    request.body = input.line();
    const faultline::http::Response response = api.handle(request);
    check_answer(response);
    if (flags & 0x80) FUZZ_CHECK(response.status == 403);  // browsers are turned away
    check_state(proxies, listeners, api);
  }
  return 0;
}
