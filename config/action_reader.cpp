// The reads every action's TOML form shares (see action_format.hpp).
#include <cmath>
#include <limits>

#include "base/text.hpp"
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {
namespace {

bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

void missing(TableReader& reader, std::string_view key, std::string_view what,
             std::string_view takes) {
  reader.table_error("missing " + std::string(key) + " (" + std::string(what) + " takes " +
                     std::string(takes) + ")");
}

}  // namespace

const toml::node* ActionReader::duration(TableReader& reader, std::string_view key,
                                         const toml::node& node, bool positive, Duration& out) {
  const auto* text = node.as_string();
  if (text == nullptr) {
    std::string message = "expected a duration like \"40ms\"";
    if (node.is_number()) message += " (a string with a unit: us, ms, s or m)";
    reader.error(key, &node, std::move(message));
    return nullptr;
  }
  const auto value = parse_duration(text->get());
  if (!value) {
    reader.error(key, &node, duration_error(text->get()));
    return nullptr;
  }
  if (positive && value->count() == 0) {
    reader.error(key, &node, "must be greater than 0");
    return nullptr;
  }
  out = *value;
  return &node;
}

const toml::node* ActionReader::required_duration(TableReader& reader, std::string_view key,
                                                  std::string_view what, std::string_view takes,
                                                  Duration& out, bool positive) {
  const toml::node* node = reader.node(key);
  if (node == nullptr) {
    missing(reader, key, what, takes);
    return nullptr;
  }
  return duration(reader, key, *node, positive, out);
}

const toml::node* ActionReader::required_number(TableReader& reader, std::string_view key,
                                                std::string_view what, std::string_view takes,
                                                double& out) {
  const toml::node* node = reader.node(key);
  if (node == nullptr) {
    missing(reader, key, what, takes);
    return nullptr;
  }
  std::optional<double> value;
  if (const auto* integer = node->as_integer()) value = static_cast<double>(integer->get());
  if (const auto* floating = node->as_floating_point()) value = floating->get();
  if (!value) {
    reader.error(key, node, "expected a number like 1.5");
    return nullptr;
  }
  if (!(*value > 0.0) || !std::isfinite(*value)) {
    reader.error(key, node, "must be greater than 0");
    return nullptr;
  }
  out = *value;
  return node;
}

std::optional<std::uint64_t> ActionReader::size_table(std::string_view action,
                                                      const toml::node& node, std::string_view key,
                                                      std::uint64_t min, std::string_view example) {
  const std::string form = "{ " + std::string(key) + " = " + std::string(example) + " }";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    rule_.error(action, &node, "expected a table like " + form);
    return std::nullopt;
  }
  TableReader reader = this->table(*table, action);
  std::uint64_t value = 0;
  bool valid = true;
  if (!reader.read_size(key, min, std::numeric_limits<std::uint64_t>::max(), value)) {
    valid = false;
    if (!table->contains(key)) {
      reader.table_error(std::string(action) + " has no " + std::string(key) + "; add " +
                         std::string(key) + " = " + std::string(example));
    }
  }
  reader.finish();
  if (!valid) return std::nullopt;
  return value;
}

bool ActionReader::status(TableReader& reader, std::string_view key, const toml::node& node,
                          std::int64_t value) {
  if (value >= 200 && value <= 599) return true;
  reader.error(key, &node, "must be between 200 and 599 (a final HTTP status)");
  return false;
}

void ActionReader::header_fields(TableReader& reader, std::string_view key, const toml::node& node,
                                 std::vector<std::pair<std::string, std::string>>& out) {
  const toml::table* headers = node.as_table();
  if (headers == nullptr) {
    reader.error(key, &node, "expected a table like { \"retry-after\" = \"1\" }");
    return;
  }
  for (auto&& [name_key, value] : *headers) {
    const std::string name(name_key.str());
    const std::string path = join_key_path(reader.key_path(key), name);
    if (!is_token(name)) {
      diagnostics_.add(place_of_key(name_key, value), path, "not a valid header name");
      continue;
    }
    if (is_framing_header(name)) {
      diagnostics_.add(place_of_key(name_key, value), path,
                       "is set by faultline from the body; leave it out");
      continue;
    }
    const auto* text = value.as_string();
    if (text == nullptr) {
      diagnostics_.add(value.source(), path, "expected a string");
      continue;
    }
    // A field value may hold tabs, never line breaks or other controls (RFC 9110 §5.5).
    if (has_control_character(text->get(), /*allow_tab=*/true)) {
      diagnostics_.add(value.source(), path, "must not contain control characters");
      continue;
    }
    out.emplace_back(name, text->get());
  }
}

}  // namespace faultline::config
