// Decide: request + profile + random source -> FaultPlan. Pure: no clock, no socket, no
// global; the same (profile, request, rng state) always gives the same plan.
#pragma once

#include <span>

#include "faults/plan.hpp"
#include "faults/request_view.hpp"
#include "faults/rng.hpp"
#include "faults/rule.hpp"

namespace faultline::faults {

// Evaluates `forced` (rules from header control: they always apply, without dice), then
// every rule of `profile` in order. A profile rule whose matcher matches consumes exactly
// one uniform from `rng` for its probability roll, fired or not (p = 1 included), so
// changing one rule's probability does not reshuffle the others' rolls; a delay rule that
// fires then samples its distribution (see distribution.hpp for the draws each takes).
// Rules that do not match consume nothing. Fired rules compose as FaultPlan::add says.
FaultPlan decide(const Profile& profile, const RequestView& request, Rng& rng,
                 std::span<const Rule> forced = {});

}  // namespace faultline::faults
