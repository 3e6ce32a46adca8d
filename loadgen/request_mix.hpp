// The weighted request mix, serialized once: every template becomes its exact wire bytes
// at start-up, so sending a request is one write of a ready buffer (no formatting, no
// allocation). pick() draws a template by weight from the caller's random state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/plan.hpp"

namespace faultline::loadgen {

struct PreparedRequest {
  std::string wire;   // request line, headers, blank line, body
  bool head = false;  // a HEAD request: its response has no body
};

// The HTTP/1.1 bytes of one request to `target`. Adds Host, Content-Length (when there is
// a body) and User-Agent unless the template sets them.
std::string serialize_request(const TargetUrl& target, const RequestTemplate& request);

class RequestMix {
 public:
  RequestMix(const TargetUrl& target, const std::vector<RequestTemplate>& templates);

  std::size_t size() const { return prepared_.size(); }
  const PreparedRequest& at(std::size_t i) const { return prepared_[i]; }

  // A template chosen with probability weight / total weight. `state` is the caller's
  // xorshift64 state (non-zero); one per worker, so no sharing and reproducible runs.
  const PreparedRequest& pick(std::uint64_t& state) const {
    if (prepared_.size() == 1) return prepared_.front();
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const std::uint64_t ticket = state % total_weight_;
    std::size_t i = 0;
    while (ticket >= cumulative_weight_[i]) ++i;
    return prepared_[i];
  }

 private:
  std::vector<PreparedRequest> prepared_;
  std::vector<std::uint64_t> cumulative_weight_;
  std::uint64_t total_weight_ = 0;
};

}  // namespace faultline::loadgen
