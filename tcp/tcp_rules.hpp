// The TCP rules of a profile: its rules that match a TCP proxy (match = { tcp = "..." }),
// as stages. Nothing while faults are disabled (the kill switch).
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tcp/configured_proxies.hpp"

namespace faultline::tcp {

std::vector<TcpRule> tcp_rules(const config::Config& config, std::string_view active_profile,
                               bool faults_enabled);

}  // namespace faultline::tcp
