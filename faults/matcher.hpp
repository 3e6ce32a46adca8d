// Which requests a rule applies to. Every condition that is set must hold; an empty
// Matcher matches every request. Settings only: built once at config load, then shared
// read-only by every worker thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faults/request_view.hpp"

namespace faultline::faults {

// A std::regex compiled once, at config load, and kept behind a pointer: <regex> stays
// out of this header (config.hpp includes it everywhere), and copies of a Matcher share
// the compiled automaton, which const matching never modifies.
//
// Cost: compiling takes microseconds to milliseconds, paid on load and reload only.
// Matching uses libstdc++'s breadth-first ("polynomial") executor, not the default
// backtracking one: about 1 us for a short path and a simple pattern, linear in the path
// length (a 16 KiB path: about 1 ms), no recursion that grows with the path, so no
// stack overflow or catastrophic backtracking on hostile paths. Back-references are
// rejected at load. Prefer path_prefix where it is enough: it costs nanoseconds.
class CompiledRegex;

struct PathRegex {
  std::string pattern;  // as written, ECMAScript syntax
  std::shared_ptr<const CompiledRegex> compiled;

  // Searches the path (unanchored, like grep): "^/api/v[0-9]+/" anchors at the start.
  bool search(std::string_view path) const;

  // The compiled pattern, or nullopt with `error` set to why it does not compile
  // (e.g. "unbalanced parenthesis").
  static std::optional<PathRegex> compile(std::string_view pattern, std::string& error);
};

struct HeaderCondition {
  enum class Kind { equals, present, absent };
  std::string name;  // lower case
  Kind kind = Kind::present;
  std::string value;  // for `equals`: compared exactly, case included

  bool operator==(const HeaderCondition&) const = default;
};

struct Matcher {
  std::string path_prefix;               // "" = any path
  std::optional<PathRegex> path_regex;   // searched in the path
  std::vector<std::string> methods;      // upper case; empty = any method
  std::vector<HeaderCondition> headers;  // all must hold
  std::string host;                      // lower case, no port; "" = any host
  std::string route;                     // route name; "" = any route
  std::string tcp;  // a TCP proxy's name: the rule is a TCP rule and matches no request

  bool is_tcp() const { return !tcp.empty(); }

  bool matches(const RequestView& request) const;
};

}  // namespace faultline::faults
