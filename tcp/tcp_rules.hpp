// The TCP rules of a profile (match = { tcp = "..." }) as stages: what each registered
// fault action means on a TCP stream. Nothing while faults are disabled (the kill switch).
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tcp/configured_proxies.hpp"

namespace faultline::tcp {

// The stage an action makes on a TCP rule. One overload per registered action (a new
// action without its TCP meaning does not compile); the HTTP-only ones (abort, corrupt, modify),
// which the loader keeps off TCP rules, pass everything.
StageSettings stage_of(const faults::Action& action);

std::vector<TcpRule> tcp_rules(const config::Config& config, std::string_view active_profile,
                               bool faults_enabled);

}  // namespace faultline::tcp
