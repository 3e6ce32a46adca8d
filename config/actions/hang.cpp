// hang = true, or { for = "5s" }
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Hang> read_action(ActionReader& r, const toml::node& node,
                                        Tag<faults::Hang>) {
  if (const auto* flag = node.as_boolean(); flag != nullptr && flag->get()) return faults::Hang{};
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("hang", &node, "expected true or a table like { for = \"5s\" }");
    return std::nullopt;
  }
  TableReader reader = r.table(*table, "hang");
  faults::Hang hang;
  Duration duration{};
  if (reader.read_positive_duration("for", duration)) hang.duration = duration;
  reader.finish();
  return hang;
}

boost::json::object action_json(const faults::Hang& hang) {
  boost::json::object out;
  if (hang.duration) out["for"] = format_duration(*hang.duration);
  return out;
}

}  // namespace faultline::config
