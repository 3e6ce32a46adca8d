// The calls a chaos experiment makes to a faultline proxy's admin API (see the README,
// "Admin API"): read the fault state, switch the profile, flip the kill switch. Each call
// is one blocking request (blocking_http_client.hpp); every error names the endpoint and
// what it answered, e.g. "PUT http://127.0.0.1:9901/api/v1/profiles/active: 401
// Unauthorized: ...".
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/experiment_verdict.hpp"
#include "loadgen/target_url.hpp"

namespace faultline::loadgen {

// Reads the body of GET /api/v1/profiles: {"active": "none", "faults_enabled": true,
// "profiles": [{"name": ...}, ...]}. Returns an error message or "".
std::string parse_profiles_answer(std::string_view body, FaultState& state,
                                  std::vector<std::string>& profile_names);

class AdminApiClient {
 public:
  // `token`: sent as "Authorization: Bearer <token>" when not empty.
  AdminApiClient(TargetUrl admin, std::string token,
                 std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // GET /api/v1/profiles: the active profile, the kill switch, the profiles there are.
  std::string read_state(FaultState& state, std::vector<std::string>& profile_names) const;
  // PUT /api/v1/profiles/active {"name": ...}
  std::string switch_profile(const std::string& name) const;
  // POST /api/v1/faults/enable or /api/v1/faults/disable
  std::string set_faults_enabled(bool enabled) const;
  // Moves the proxy from `from` to `to` in the order that never injects a fault neither
  // state has: with the kill switch going on, it goes on first; going off, it goes last.
  std::string apply(const FaultState& from, const FaultState& to) const;
  // The same without knowing the state now: both calls, in that order (for restoring).
  std::string apply_all(const FaultState& to) const;

  // "http://127.0.0.1:9901"
  std::string base_url() const;

 private:
  // Returns "" for a 2xx answer (body in `body`), else the error message.
  std::string call(std::string_view method, std::string_view path, const std::string& request_body,
                   std::string& body) const;

  TargetUrl admin_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace faultline::loadgen
