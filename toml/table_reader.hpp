// Strict, error-collecting reads of TOML tables. Every read
// names a key the table may have; finish() reports all other keys as unknown, with the
// closest known key as a suggestion. Nothing stops at the first error: each problem
// becomes a Diagnostic placed at the offending key or value.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "base/units.hpp"
#include "toml/diagnostics.hpp"

namespace faultline {

// Visits each element of an array of tables, `each(table, path, index)` with its path
// ("routes[2]"); an element that is not a table is reported ("expected a table (<what>)",
// e.g. what = "[[routes]]") and skipped.
template <typename Each>
void for_each_table(const toml::array& array, std::string_view array_path, std::string_view what,
                    Diagnostics& diagnostics, Each&& each) {
  for (std::size_t index = 0; index < array.size(); ++index) {
    const toml::node& element = *array.get(index);
    const std::string path = index_key_path(array_path, index);
    if (const toml::table* table = element.as_table()) {
      each(*table, path, index);
    } else {
      diagnostics.add(element.source(), path, "expected a table (" + std::string(what) + ")");
    }
  }
}

class TableReader {
 public:
  // `path` is the table's key path ("" for the root, "server", "routes[0]").
  TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics)
      : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {}

  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const { return join_key_path(path_, key); }
  const toml::table& table() const { return table_; }

  // Declares `key` known and returns its value, or nullptr when absent.
  const toml::node* node(std::string_view key);

  // Typed reads. Each declares the key known. When the key is present with a valid value
  // it is stored in `out` and its node returned, so the caller can report further
  // problems at that place; when absent `out` keeps its default and nullptr is returned;
  // when invalid the error is reported and nullptr returned.
  const toml::node* read_string(std::string_view key, std::string& out);
  const toml::node* read_bool(std::string_view key, bool& out);
  // An integer within [min, max].
  template <typename T>
  const toml::node* read_integer(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    std::int64_t value = 0;
    const toml::node* found = read_int64(key, min, max, value);
    if (found) out = static_cast<T>(value);
    return found;
  }
  // A duration string; it must be greater than zero.
  const toml::node* read_positive_duration(std::string_view key, Duration& out);
  // A size: a TOML integer (bytes) or a string like "64KiB", within [min, max].
  const toml::node* read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                              std::uint64_t& out);
  // Value must be a table: reports "expected a table" otherwise.
  const toml::table* read_table(std::string_view key);
  // Value must be an array; `form` names the usual TOML syntax in the error message,
  // e.g. "[[routes]]".
  const toml::array* read_array(std::string_view key, std::string_view form);

  // Reports a problem with `key` at `where`, or at this table when `where` is null.
  void error(std::string_view key, const toml::node* where, std::string message);
  // Reports a problem with the table itself (a missing key, a conflict), at its header.
  void table_error(std::string message);

  // Reports every key that no read above asked for.
  void finish();

 private:
  const toml::table& table_;
  std::string path_;
  Diagnostics& diagnostics_;
  const toml::node* read_int64(std::string_view key, std::int64_t min, std::int64_t max,
                               std::int64_t& out);

  std::vector<std::string> known_keys_;  // in reading order, for suggestions
  std::set<std::string, std::less<>> known_set_;
};

}  // namespace faultline
