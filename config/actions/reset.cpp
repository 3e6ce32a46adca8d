// reset = true (or reset = {}); on a TCP rule also reset = { after = "2s" }
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Reset> read_action(ActionReader& r, const toml::node& node,
                                         Tag<faults::Reset>) {
  if (const auto* flag = node.as_boolean(); flag != nullptr && flag->get()) return faults::Reset{};
  if (const auto* table = node.as_table(); table != nullptr) {
    TableReader reader = r.table(*table, "reset");
    faults::Reset reset;
    // Only TCP rules take `after` (the rule reader says so for an HTTP rule).
    if (const toml::node* after = reader.node("after")) {
      r.duration(reader, "after", *after, false, reset.after);
    }
    reader.finish();  // any other key is unknown
    return reset;
  }
  r.rule().error("reset", &node, "expected true (reset = true)");
  return std::nullopt;
}

boost::json::object action_json(const faults::Reset& reset) {
  boost::json::object out;
  if (reset.after.count() > 0) out["after"] = format_duration(reset.after);
  return out;
}

}  // namespace faultline::config
