#include "loadgen/plan.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::loadgen {

unsigned BenchPlan::max_connections() const {
  if (model == LoadModel::open) return connections;
  unsigned most = 0;
  for (const Stage& s : stages) most = std::max(most, s.users);
  return most;
}

void expand_stress_stages(BenchPlan& plan) {
  if (!plan.stress) return;
  plan.stages.clear();
  for (double rate : plan.stress->rates) {
    Stage stage;
    stage.name = std::to_string(static_cast<long long>(std::llround(rate))) + "/s";
    stage.duration = plan.stress->step_duration;
    stage.from_rate = rate;
    stage.rate = rate;
    plan.stages.push_back(stage);
  }
}

std::vector<std::string> validate_plan(const BenchPlan& plan) {
  std::vector<std::string> problems;
  if (plan.requests.empty()) problems.push_back("no requests to send");
  unsigned total_weight = 0;
  for (const RequestTemplate& r : plan.requests) total_weight += r.weight;
  if (!plan.requests.empty() && total_weight == 0) problems.push_back("every request has weight 0");
  if (plan.stages.empty()) problems.push_back("no stages: give a duration");
  if (plan.threads == 0) problems.push_back("threads must be at least 1");
  if (plan.timeout.count() <= 0) problems.push_back("timeout must be greater than 0");
  if (plan.interval.count() <= 0) problems.push_back("interval must be greater than 0");
  if (plan.model == LoadModel::open) {
    if (plan.connections == 0) problems.push_back("connections must be at least 1");
    bool any_rate = false;
    for (const Stage& s : plan.stages) {
      if (s.rate < 0 || s.from_rate < 0 || !std::isfinite(s.rate) || !std::isfinite(s.from_rate))
        problems.push_back("stage " + s.name + ": rates must be 0 or more");
      if (s.rate > 0 || s.from_rate > 0) any_rate = true;
    }
    if (!plan.stages.empty() && !any_rate) problems.push_back("every stage has rate 0");
  } else {
    if (plan.max_connections() == 0)
      problems.push_back("closed model: connections (users) must be at least 1");
  }
  for (const Stage& s : plan.stages)
    if (s.duration.count() <= 0)
      problems.push_back("stage " + s.name + ": duration must be greater than 0");
  if (plan.stress) {
    if (plan.model != LoadModel::open) problems.push_back("stress runs use the open model (rates)");
    if (plan.stress->rates.empty()) problems.push_back("stress needs at least one rate");
    for (std::size_t i = 0; i < plan.stress->rates.size(); ++i) {
      if (!(plan.stress->rates[i] > 0)) problems.push_back("stress rates must be greater than 0");
      if (i > 0 && plan.stress->rates[i] <= plan.stress->rates[i - 1])
        problems.push_back("stress rates must rise step by step");
    }
    if (!(plan.stress->break_error_rate >= 0 && plan.stress->break_error_rate <= 1))
      problems.push_back("break error rate must be a fraction from 0 to 1");
  }
  if (plan.experiment && plan.experiment->stage_switches.size() != plan.stages.size())
    problems.push_back("an experiment has one fault switch (maybe empty) per stage");
  if (plan.baseline && !(plan.baseline->max_regression >= 0))
    problems.push_back("max regression must be 0 % or more");
  return problems;
}

}  // namespace faultline::loadgen
