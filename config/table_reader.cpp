#include "config/table_reader.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "config/units.hpp"

namespace faultline::config::detail {
namespace {

constexpr std::string_view kDurationExpected = "expected a duration like \"40ms\"";
constexpr std::string_view kSizeExpected = "expected a size like 65536 or \"64KiB\"";

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string range_message(std::int64_t min, std::int64_t max) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (min == 0 && max == kMax) return "must not be negative";
  if (min == 1 && max == kMax) return "must be greater than 0";
  return "must be between " + std::to_string(min) + " and " + std::to_string(max);
}

}  // namespace

void Diagnostics::add(const toml::source_region& where, std::string key_path, std::string message) {
  items_.push_back(Diagnostic{source_, static_cast<int>(where.begin.line),
                              static_cast<int>(where.begin.column), std::move(key_path),
                              std::move(message)});
}

void Diagnostics::add_unplaced(std::string key_path, std::string message) {
  items_.push_back(Diagnostic{source_, 0, 0, std::move(key_path), std::move(message)});
}

std::vector<Diagnostic> Diagnostics::take_sorted() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(items_);
}

std::string join_key_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  if (is_bare_key(key)) {
    path += key;
    return path;
  }
  path += '"';
  for (char c : key) {
    if (c == '"' || c == '\\') path += '\\';
    path += c;
  }
  path += '"';
  return path;
}

std::string index_key_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic dynamic programme: row[j] = distance(a[0..i), b[0..j)).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_distance) {
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    // A suggestion must keep part of the word: "ab" is 2 edits from "x" but not meant.
    if (distance < best_distance && distance < std::max(word.size(), candidate.size())) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

const toml::node* TableReader::node(std::string_view key) {
  if (known_set_.insert(std::string(key)).second) known_keys_.emplace_back(key);
  return table_.get(key);
}

void TableReader::error(std::string_view key, const toml::node* where, std::string message) {
  if (where == nullptr) {
    table_error(std::move(message));
    return;
  }
  diagnostics_.add(where->source(), key_path(key), std::move(message));
}

void TableReader::table_error(std::string message) {
  // The root table's place (1:1) would point at whatever happens to come first.
  if (path_.empty()) {
    diagnostics_.add_unplaced("", std::move(message));
  } else {
    diagnostics_.add(table_.source(), path_, std::move(message));
  }
}

const toml::node* TableReader::read_string(std::string_view key, std::string& out) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  if (const auto* text = value->as_string()) {
    out = text->get();
    return value;
  }
  error(key, value, "expected a string");
  return nullptr;
}

const toml::node* TableReader::read_bool(std::string_view key, bool& out) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  if (const auto* flag = value->as_boolean()) {
    out = flag->get();
    return value;
  }
  error(key, value, "expected true or false");
  return nullptr;
}

const toml::node* TableReader::read_int64(std::string_view key, std::int64_t min, std::int64_t max,
                                          std::int64_t& out) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  const auto* integer = value->as_integer();
  if (integer == nullptr) {
    error(key, value, "expected an integer");
    return nullptr;
  }
  if (integer->get() < min || integer->get() > max) {
    error(key, value, range_message(min, max));
    return nullptr;
  }
  out = integer->get();
  return value;
}

const toml::node* TableReader::read_positive_duration(std::string_view key, Duration& out) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  const auto* text = value->as_string();
  if (text == nullptr) {
    std::string message(kDurationExpected);
    if (value->is_number()) message += " (a string with a unit: us, ms, s or m)";
    error(key, value, std::move(message));
    return nullptr;
  }
  const auto duration = parse_duration(text->get());
  if (!duration) {
    error(key, value, duration_error(text->get()));
    return nullptr;
  }
  if (duration->count() == 0) {
    error(key, value, "must be greater than 0");
    return nullptr;
  }
  out = *duration;
  return value;
}

const toml::node* TableReader::read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                                         std::uint64_t& out) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  std::optional<std::uint64_t> size;
  if (const auto* integer = value->as_integer()) {
    if (integer->get() < 0) {
      error(key, value, size_error(std::to_string(integer->get())));
      return nullptr;
    }
    size = static_cast<std::uint64_t>(integer->get());
  } else if (const auto* text = value->as_string()) {
    size = parse_size(text->get());
    if (!size) {
      error(key, value, size_error(text->get()));
      return nullptr;
    }
  } else {
    error(key, value, std::string(kSizeExpected));
    return nullptr;
  }
  if (*size < min) {
    error(
        key, value,
        min == 1 ? "must be greater than 0" : "must be at least " + std::to_string(min) + " bytes");
    return nullptr;
  }
  if (*size > max) {
    error(key, value, "must be at most " + std::to_string(max) + " bytes");
    return nullptr;
  }
  out = *size;
  return value;
}

const toml::table* TableReader::read_table(std::string_view key) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  if (const auto* table = value->as_table()) return table;
  error(key, value, "expected a table");
  return nullptr;
}

const toml::array* TableReader::read_array(std::string_view key, std::string_view form) {
  const toml::node* value = node(key);
  if (value == nullptr) return nullptr;
  if (const auto* array = value->as_array()) return array;
  error(key, value, "expected an array of tables (" + std::string(form) + ")");
  return nullptr;
}

void TableReader::finish() {
  for (auto&& [key, value] : table_) {
    if (known_set_.find(key.str()) != known_set_.end()) continue;
    std::string message = "unknown key '" + std::string(key.str()) + "'";
    if (auto suggestion = closest_match(key.str(), known_keys_)) {
      message += " (did you mean '" + *suggestion + "'?)";
    }
    // The key's own place when the parser recorded it, else its value's.
    const auto& where = key.source().begin.line != 0 ? key.source() : value.source();
    diagnostics_.add(where, key_path(key.str()), std::move(message));
  }
}

}  // namespace faultline::config::detail
