#include "toml/table_reader.hpp"

#include <algorithm>

#include "base/units.hpp"

namespace faultline {
namespace {

constexpr std::string_view kDurationExpected = "expected a duration like \"40ms\"";
constexpr std::string_view kSizeExpected = "expected a size like 65536 or \"64KiB\"";

std::string range_message(std::int64_t min, std::int64_t max) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (min == 0 && max == kMax) return "must not be negative";
  if (min == 1 && max == kMax) return "must be greater than 0";
  return "must be between " + std::to_string(min) + " and " + std::to_string(max);
}

}  // namespace

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
    const auto& where = place_of_key(key, value);
    diagnostics_.add(where, key_path(key.str()), std::move(message));
  }
}

}  // namespace faultline
