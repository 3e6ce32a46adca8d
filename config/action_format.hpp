// The config format of each fault action: how its TOML value is read (strictly, every
// problem a Diagnostic at its place) and how it is written back as JSON for
// GET /api/v1/config. One file per action in config/actions/, one overload pair per
// registered action here: the loader and the JSON writer visit the registry, so an action
// without its pair does not compile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>
#include <boost/json/object.hpp>

#include "faults/action.hpp"
#include "toml/table_reader.hpp"

namespace faultline::config {

// What an action's reader gets: the rule's table (to report at the action's key) and the
// shared ways of reading durations, numbers, sizes, statuses and header fields.
class ActionReader {
 public:
  ActionReader(TableReader& rule, Diagnostics& diagnostics)
      : rule_(rule), diagnostics_(diagnostics) {}

  TableReader& rule() { return rule_; }
  Diagnostics& diagnostics() { return diagnostics_; }
  // A reader of the action's own table, with key paths like "flaky[0].delay.mean".
  TableReader table(const toml::table& table, std::string_view action) {
    return TableReader(table, rule_.key_path(action), diagnostics_);
  }

  // A duration string ("40ms"); zero is allowed unless `positive`.
  const toml::node* duration(TableReader& reader, std::string_view key, const toml::node& node,
                             bool positive, Duration& out);
  // As duration(), reporting the key as missing (with `takes`, e.g. "mean and stddev").
  const toml::node* required_duration(TableReader& reader, std::string_view key,
                                      std::string_view what, std::string_view takes, Duration& out,
                                      bool positive = false);
  // A number (integer or float) greater than 0, reported missing like required_duration.
  const toml::node* required_number(TableReader& reader, std::string_view key,
                                    std::string_view what, std::string_view takes, double& out);
  // A table with one size key: `action = { key = example }`, the value at least `min`.
  std::optional<std::uint64_t> size_table(std::string_view action, const toml::node& node,
                                          std::string_view key, std::uint64_t min,
                                          std::string_view example);
  // A final HTTP status, 200..599 (a 1xx is interim, RFC 9110 §15.2, and would leave the
  // client waiting; Envoy's fault filter allows the same range).
  bool status(TableReader& reader, std::string_view key, const toml::node& node,
              std::int64_t value);
  // A table of header fields { "name" = "value" } with valid names and values; framing
  // fields (Content-Length, Transfer-Encoding, Connection) are refused: faultline writes them.
  void header_fields(TableReader& reader, std::string_view key, const toml::node& node,
                     std::vector<std::pair<std::string, std::string>>& out);

 private:
  TableReader& rule_;
  Diagnostics& diagnostics_;
};

template <class A>
using Tag = std::type_identity<A>;

std::optional<faults::Delay> read_action(ActionReader&, const toml::node&, Tag<faults::Delay>);
boost::json::object action_json(const faults::Delay&);

std::optional<faults::Abort> read_action(ActionReader&, const toml::node&, Tag<faults::Abort>);
boost::json::object action_json(const faults::Abort&);

std::optional<faults::Reset> read_action(ActionReader&, const toml::node&, Tag<faults::Reset>);
boost::json::object action_json(const faults::Reset&);

std::optional<faults::Hang> read_action(ActionReader&, const toml::node&, Tag<faults::Hang>);
boost::json::object action_json(const faults::Hang&);

std::optional<faults::Throttle> read_action(ActionReader&, const toml::node&,
                                            Tag<faults::Throttle>);
boost::json::object action_json(const faults::Throttle&);

std::optional<faults::Truncate> read_action(ActionReader&, const toml::node&,
                                            Tag<faults::Truncate>);
boost::json::object action_json(const faults::Truncate&);

std::optional<faults::Corrupt> read_action(ActionReader&, const toml::node&, Tag<faults::Corrupt>);
boost::json::object action_json(const faults::Corrupt&);

std::optional<faults::Modify> read_action(ActionReader&, const toml::node&, Tag<faults::Modify>);
boost::json::object action_json(const faults::Modify&);

std::optional<faults::Slice> read_action(ActionReader&, const toml::node&, Tag<faults::Slice>);
boost::json::object action_json(const faults::Slice&);

std::optional<faults::SlowClose> read_action(ActionReader&, const toml::node&,
                                             Tag<faults::SlowClose>);
boost::json::object action_json(const faults::SlowClose&);

}  // namespace faultline::config
