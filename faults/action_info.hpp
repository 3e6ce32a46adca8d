// What every fault action declares about itself, once, beside its settings (see
// faults/actions/*.hpp). The loader's list of names, the metrics' `kind` label, the
// effective-config JSON, header control and the proxy's dispatch all read it from there.
#pragma once

#include <string_view>

namespace faultline::faults {

// Where in the exchange the proxy executes an action.
enum class Hook {
  before_upstream,  // waits, or answers in place of the upstream (terminal actions)
  response_head,    // after the upstream's response head, before it goes to the client
  response_body,    // on each piece of the response body as it is relayed
  tcp_stream,       // on the bytes of a TCP proxy's connection (TCP rules only)
};

// Which rules may carry an action: HTTP rules, TCP rules (match = { tcp = "..." }), or both,
// each with its own meaning (README, "TCP proxies").
enum class Protocols { http, tcp, both };

struct ActionInfo {
  std::string_view name;  // the TOML key, the JSON key and the metrics' kind label
  bool terminal;          // ends the exchange: the upstream is never contacted
  Hook hook;
  std::string_view control_header;  // x-faultline-* header that forces it, or ""
  std::string_view summary;         // one line for `faultline check --list-actions` and docs
  Protocols protocols = Protocols::both;
};

inline bool applies_to_http(const ActionInfo& info) {
  return info.protocols != Protocols::tcp;
}
inline bool applies_to_tcp(const ActionInfo& info) {
  return info.protocols != Protocols::http;
}

}  // namespace faultline::faults
