// A small blocking HTTP/1.1 client for control calls (the proxy's admin API during a chaos
// experiment): one request per connection ("Connection: close"), one deadline for the
// whole exchange, plain POSIX sockets. The load itself never goes through here
// (load_worker.hpp does that); this is for a handful of calls per run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::loadgen {

struct HttpCall {
  std::string method = "GET";
  std::string target = "/";   // origin-form
  std::string host_header;    // "host:port"
  std::string authorization;  // the whole field value, "" = none
  std::string body;           // sent with Content-Type: application/json when not empty
};

struct HttpAnswer {
  unsigned status = 0;
  std::string reason;  // "Unauthorized"
  std::string body;
};

enum class ParseState { complete, incomplete, malformed };

// Parses a response read so far (Content-Length, chunked, or delimited by the close when
// `at_eof`). On `malformed`, `error` says why.
ParseState parse_http_answer(std::string_view bytes, bool at_eof, HttpAnswer& out,
                             std::string& error);

// Connects to host:port, sends `call`, reads the answer. Returns "" after storing it in
// `out`, or an error message ("connection refused", "no answer within 2s").
std::string http_exchange(const std::string& host, std::uint16_t port, const HttpCall& call,
                          std::chrono::milliseconds timeout, HttpAnswer& out);

}  // namespace faultline::loadgen
