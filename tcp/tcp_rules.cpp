#include "tcp/tcp_rules.hpp"

namespace faultline::tcp {

std::vector<TcpRule> tcp_rules(const config::Config& config, std::string_view active_profile,
                               bool faults_enabled) {
  std::vector<TcpRule> rules;
  if (!faults_enabled) return rules;
  const faults::Profile* profile = config.faults.find_profile(active_profile);
  if (profile == nullptr) return rules;
  // The config's rules do not name TCP proxies yet (that arrives with the fault-action
  // registry); until then TCP faults come from the Toxiproxy API.
  return rules;
}

}  // namespace faultline::tcp
