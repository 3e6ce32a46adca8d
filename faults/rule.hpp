// Rules and profiles: the [[faults.profiles.NAME]] tables of the config, once parsed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "faults/action.hpp"
#include "faults/matcher.hpp"

namespace faultline::faults {

// The two directions of a TCP connection, with Toxiproxy's names.
enum class Stream {
  upstream,    // client → server
  downstream,  // server → client
};

// If `match` matches, roll `probability`; if it fires, apply `action`. A TCP rule
// (match.tcp set) rolls once per connection and acts on one direction, `stream`.
struct Rule {
  std::string name;  // in x-faultline-injected and the `rule` metric label
  Matcher match;
  double probability = 1.0;  // in [0, 1]
  Action action;
  Stream stream = Stream::downstream;  // TCP rules only
};

// An ordered list of rules, each evaluated independently per request.
struct Profile {
  std::string name;
  std::vector<Rule> rules;
};

// Always exists, cannot be redefined, injects nothing.
inline constexpr std::string_view kNoneProfileName = "none";

}  // namespace faultline::faults
