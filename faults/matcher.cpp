#include "faults/matcher.hpp"
#include "base/text.hpp"

#include <algorithm>
// GCC 12 at -O1 with sanitizers warns inside <regex>'s own std::function members
// (-Wmaybe-uninitialized, a false positive in library code); keep the build warning-free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <string_view>

namespace faultline::faults {

// libstdc++'s default executor backtracks: its recursion grows with the path (a 16 KiB
// path and "^/(a|b)*c$" overflow an 8 MiB stack) and its time can explode. Its
// "polynomial" mode is a Thompson-style breadth-first simulation: no deep recursion,
// time linear in the path (measured: 16 KiB in 1.2 ms for that pattern, ~1 us for a
// short path), at the price of back-references, which it rejects.
#if defined(__GLIBCXX__)
constexpr auto kSyntax = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto kSyntax = std::regex::ECMAScript;
#endif

class CompiledRegex {
 public:
  explicit CompiledRegex(std::string_view pattern)
      : regex_(pattern.begin(), pattern.end(), kSyntax) {}
  const std::regex& regex() const { return regex_; }

 private:
  std::regex regex_;
};

namespace {

// The library's own words, shortened: libstdc++ says "Mismatched '(' and ')' in regular
// expression"; the config error already says "invalid regular expression: ".
std::string describe(const std::regex_error& error) {
  // libstdc++ reports it with error_complexity or error_backref, depending on the form.
  if (error.code() == std::regex_constants::error_backref ||
      std::string_view(error.what()).find("back-reference") != std::string_view::npos) {
    return "back-references are not supported (matching stays linear in the path length)";
  }
  std::string text = error.what();
  for (std::string_view suffix : {" in regular expression", "."}) {
    if (text.ends_with(suffix)) text.resize(text.size() - suffix.size());
  }
  if (text.empty()) return "invalid pattern";
  if (text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// "Example.COM:8080" -> "example.com" compared with `expected` (already lower case);
// "[::1]:8080" -> "::1". The same reading of Host as the route table's.
bool host_matches(std::string_view host, std::string_view expected) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':');
             colon != std::string_view::npos && host.find(':') == colon) {
    host = host.substr(0, colon);
  }
  return iequals(host, expected);
}

bool header_holds(const HeaderCondition& condition, const RequestView& request) {
  switch (condition.kind) {
    case HeaderCondition::Kind::present:
      return request.header(condition.name).has_value();
    case HeaderCondition::Kind::absent:
      return !request.header(condition.name).has_value();
    case HeaderCondition::Kind::equals:
      // A repeated header matches when any of its values does.
      return std::any_of(request.headers.begin(), request.headers.end(), [&](const Header& h) {
        return h.value == condition.value && iequals(h.name, condition.name);
      });
  }
  return false;
}

}  // namespace

bool PathRegex::search(std::string_view path) const {
  return compiled != nullptr && std::regex_search(path.begin(), path.end(), compiled->regex());
}

std::optional<PathRegex> PathRegex::compile(std::string_view pattern, std::string& error) {
  // libstdc++ reports a leading quantifier as mismatched parentheses; say what it is.
  if (!pattern.empty() && (pattern[0] == '*' || pattern[0] == '+' || pattern[0] == '?')) {
    error = std::string("nothing to repeat before '") + pattern[0] + "'";
    return std::nullopt;
  }
  try {
    return PathRegex{std::string(pattern), std::make_shared<const CompiledRegex>(pattern)};
  } catch (const std::regex_error& e) {
    error = describe(e);
    return std::nullopt;
  }
}

bool Matcher::matches(const RequestView& request) const {
  if (is_tcp()) return false;  // applies to that TCP proxy's connections instead
  // Cheapest tests first; the regex last.
  if (!route.empty() && request.route != route) return false;
  if (!methods.empty() &&
      std::find(methods.begin(), methods.end(), request.method) == methods.end()) {
    return false;
  }
  if (!path_prefix.empty() && !request.path.starts_with(path_prefix)) return false;
  if (!host.empty() && !host_matches(request.host, host)) return false;
  for (const auto& condition : headers) {
    if (!header_holds(condition, request)) return false;
  }
  if (path_regex && !path_regex->search(request.path)) return false;
  return true;
}

}  // namespace faultline::faults
