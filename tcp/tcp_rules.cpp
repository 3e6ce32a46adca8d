#include "tcp/tcp_rules.hpp"

namespace faultline::tcp {

namespace {

struct TcpMeaning {
  StageSettings operator()(const faults::Delay& a) const { return DelayStage{a.distribution}; }
  StageSettings operator()(const faults::Throttle& a) const {
    return ThrottleStage{a.bytes_per_second};
  }
  StageSettings operator()(const faults::Reset& a) const { return ResetStage{a.after}; }
  StageSettings operator()(const faults::Hang& a) const { return HangStage{a.duration}; }
  StageSettings operator()(const faults::Truncate& a) const { return TruncateStage{a.after_bytes}; }
  StageSettings operator()(const faults::Slice& a) const {
    return SliceStage{a.average_size, a.size_variation, a.delay};
  }
  StageSettings operator()(const faults::SlowClose& a) const { return SlowCloseStage{a.delay}; }
  StageSettings operator()(const faults::Abort&) const { return PassStage{}; }
  StageSettings operator()(const faults::Corrupt&) const { return PassStage{}; }
  StageSettings operator()(const faults::Modify&) const { return PassStage{}; }
};

struct ConfigForm {
  std::optional<faults::Action> operator()(const PassStage&) const { return std::nullopt; }
  std::optional<faults::Action> operator()(const DelayStage& s) const {
    return faults::Delay{s.distribution, faults::Phase::request};
  }
  std::optional<faults::Action> operator()(const ThrottleStage& s) const {
    return faults::Throttle{s.bytes_per_second};
  }
  std::optional<faults::Action> operator()(const ResetStage& s) const {
    return faults::Reset{s.after};
  }
  std::optional<faults::Action> operator()(const HangStage& s) const {
    return faults::Hang{s.close_after};
  }
  std::optional<faults::Action> operator()(const TruncateStage& s) const {
    return faults::Truncate{s.after_bytes};
  }
  std::optional<faults::Action> operator()(const SliceStage& s) const {
    return faults::Slice{s.average_size, s.size_variation, s.delay};
  }
  std::optional<faults::Action> operator()(const SlowCloseStage& s) const {
    return faults::SlowClose{s.delay};
  }
};

}  // namespace

std::optional<faults::Action> action_of(const StageSettings& stage) {
  return std::visit(ConfigForm{}, stage);
}

StageSettings stage_of(const faults::Action& action) {
  return std::visit(TcpMeaning{}, action);
}

std::vector<TcpRule> tcp_rules(const config::Config& config, std::string_view active_profile,
                               bool faults_enabled) {
  std::vector<TcpRule> rules;
  if (!faults_enabled) return rules;
  const faults::Profile* profile = config.faults.find_profile(active_profile);
  if (profile == nullptr) return rules;
  for (const faults::Rule& rule : profile->rules) {
    if (!rule.match.is_tcp()) continue;
    rules.push_back(TcpRule{rule.match.tcp, rule.name, profile->name, rule.stream, rule.probability,
                            stage_of(rule.action)});
  }
  return rules;
}

}  // namespace faultline::tcp
