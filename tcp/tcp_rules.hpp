// The TCP rules of a profile (match = { tcp = "..." }) as stages: what each registered
// fault action means on a TCP stream. Nothing while faults are disabled (the kill switch).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tcp/configured_proxies.hpp"

namespace faultline::tcp {

// The stage an action makes on a TCP rule. One overload per registered action (a new
// action without its TCP meaning does not compile); the HTTP-only ones (abort, corrupt, modify),
// which the loader keeps off TCP rules, pass everything.
StageSettings stage_of(const faults::Action& action);

// The action a stage is written as in faultline's config (the inverse of stage_of, for the
// Toxiproxy API's toxics in GET /api/v1/config); nullopt for PassStage (a noop toxic).
std::optional<faults::Action> action_of(const StageSettings& stage);

std::vector<TcpRule> tcp_rules(const config::Config& config, std::string_view active_profile,
                               bool faults_enabled);

}  // namespace faultline::tcp
