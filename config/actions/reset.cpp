// reset = true (or reset = {})
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Reset> read_action(ActionReader& r, const toml::node& node,
                                         Tag<faults::Reset>) {
  if (const auto* flag = node.as_boolean(); flag != nullptr && flag->get()) return faults::Reset{};
  if (const auto* table = node.as_table(); table != nullptr) {
    TableReader reader = r.table(*table, "reset");
    reader.finish();  // reset = {} is the same as reset = true; any key is unknown
    return faults::Reset{};
  }
  r.rule().error("reset", &node, "expected true (reset = true)");
  return std::nullopt;
}

boost::json::object action_json(const faults::Reset&) {
  return {};
}

}  // namespace faultline::config
