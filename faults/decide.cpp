#include "faults/decide.hpp"

namespace faultline::faults {
namespace {

void apply(FaultPlan& plan, const Rule& rule, Rng& rng) {
  Duration delay{0};
  if (const auto* d = std::get_if<Delay>(&rule.action)) delay = d->distribution.sample(rng);
  plan.add(rule.name, rule.action, delay);
}

}  // namespace

FaultPlan decide(const Profile& profile, const RequestView& request, Rng& rng,
                 std::span<const Rule> forced) {
  FaultPlan plan;
  for (const Rule& rule : forced) apply(plan, rule, rng);
  for (const Rule& rule : profile.rules) {
    if (!rule.match.matches(request)) continue;
    // uniform01() is in [0, 1): p = 1 always fires, p = 0 never does.
    const bool fires = rng.uniform01() < rule.probability;
    if (fires) apply(plan, rule, rng);
  }
  return plan;
}

}  // namespace faultline::faults
