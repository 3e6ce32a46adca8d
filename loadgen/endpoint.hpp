// The target's address, resolved once before the run so that no worker resolves names.
#pragma once

#include <cstdint>
#include <string>

namespace faultline::loadgen {

// A resolved numeric address ("127.0.0.1", "::1") and port.
struct Endpoint {
  std::string address;
  std::uint16_t port = 0;
};

// Resolves `host`; when it has several addresses, takes the first that accepts a
// connection. Returns an error message, or "" on success.
std::string resolve_endpoint(const std::string& host, std::uint16_t port, Endpoint& out);

}  // namespace faultline::loadgen
