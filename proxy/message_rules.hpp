// What a session makes of the messages it reads, as pure functions of their bytes: a
// request head admitted (with how its body is read and framed for the upstream) or refused
// with a status; an upstream's head interim, final or broken; a request body piece over a
// limit. The session (client_session.cpp, upstream_exchange.cpp, response_relay.cpp) reads
// the sockets (wire_io.hpp) and calls these; tests/fuzz calls the same with bytes in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>

#include "http/body_decoder.hpp"
#include "http/head_parser.hpp"
#include "proxy/exchange_rules.hpp"
#include "proxy/head_fields.hpp"
#include "proxy/request_target.hpp"

namespace faultline::proxy {

// A response head from the upstream (and a chunk-size line or trailer section) may be this
// large; beyond it the response is refused with a 502, not buffered.
inline constexpr std::size_t kMaxUpstreamHeaderBytes = 64 * 1024;

// What faultline answers itself instead of forwarding.
struct Refusal {
  unsigned status = 400;
  std::string reason;  // the body's "faultline: <reason>"
};

// A request head: refused (answered with `refusal`, then the connection closes, since what
// follows cannot be framed with certainty), or admitted.
struct RequestAdmission {
  std::optional<RequestHeader> head;    // whenever it parsed, refused or not (for the log)
  std::optional<RequestTarget> target;  // whenever the target can be forwarded
  std::optional<Refusal> refusal;
  std::string host;         // an absolute-form target's authority, else the Host field
  bool keep_alive = false;  // asked for (never after HTTP/1.0 with Transfer-Encoding)
  http::BodyDecoder body;   // how the body is read (max_header_bytes bounds its chunk lines)
  // How the body is framed upstream: from what was read, never from the client's fields
  // after hop-by-hop removal (see HopByHopFilter on request smuggling).
  Framing framing;
};

// `text`: one complete head, as read_head (wire_io.hpp) found it.
RequestAdmission admit_request_head(std::string_view text, std::size_t max_header_bytes,
                                    std::uint64_t max_body_bytes);

// The final response's head, as the upstream sent it, and how its body is read.
struct UpstreamHead {
  ResponseHeader head;
  http::BodyDecoder body;
  std::optional<std::uint64_t> declared_length;  // its Content-Length, if it has one
  bool reusable = false;  // the upstream keeps the connection open after this response
};

struct ResponseAdmission {
  std::string protocol_error;  // not empty: refused (the exchange fails, a 502 if unsent)
  bool interim = false;        // 100, 103: passed on to HTTP/1.1 clients; the next head follows
  UpstreamHead upstream;       // the head (interim or final) and, when final, its body
};

// `text`: one complete head from the upstream; `head_request`: the request was HEAD.
ResponseAdmission admit_response_head(std::string_view text, bool head_request);

// RFC 9110 §9.3.2, §15.3.5, §15.4.5: a response to HEAD, a 204 and a 304 end with their
// head, whatever their fields announce.
bool response_is_bodyless(bool head_request, unsigned status);

// A piece of the request body just read, `bytes_before` body bytes into it: refused when it
// broke the framing rules (`framing_error`, 400) or takes the body past max_body_bytes (413).
std::optional<Refusal> refuse_request_body(std::string_view framing_error,
                                           std::uint64_t bytes_before, std::size_t piece_size,
                                           std::uint64_t max_body_bytes);

}  // namespace faultline::proxy
