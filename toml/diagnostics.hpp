// Errors found in a TOML file, each at its place: "file:line:col: key.path: message",
// with the key paths and "did you mean" suggestions every reader of TOML shares.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace faultline {

struct Diagnostic {
  std::string source;  // file name as given
  int line = 0;        // 1-based; 0 when the error has no place in the file
  int column = 0;
  std::string key_path;  // e.g. "routes[0].upstream" (may be empty for syntax errors)
  std::string message;

  // "file:line:col: key.path: message" (the key path is left out when empty).
  std::string to_string() const;
};

// Collects diagnostics for one source file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void add(const toml::source_region& where, std::string key_path, std::string message);
  // For problems that have no place in the file (line 0), like a missing [[routes]].
  void add_unplaced(std::string key_path, std::string message);

  bool empty() const { return items_.empty(); }
  // Ordered by line, then column; problems without a place come first.
  std::vector<Diagnostic> take_sorted();

 private:
  std::string source_;
  std::vector<Diagnostic> items_;
};

// Where to report a problem with a table entry: its key, or its value when the key has
// no place (a dotted or inline key).
const toml::source_region& place_of_key(const toml::key& key, const toml::node& value);

// "a.b" + "c" -> "a.b.c"; keys that are not bare TOML keys are quoted: a."my key".
std::string join_key_path(std::string_view parent, std::string_view key);
std::string index_key_path(std::string_view parent, std::size_t index);  // "routes[2]"

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` within `max_distance` edits (the first one on a tie).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_distance = 2);

}  // namespace faultline
