// slow_close = { delay = "2s" }   (TCP rules)
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::SlowClose> read_action(ActionReader& r, const toml::node& node,
                                             Tag<faults::SlowClose>) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("slow_close", &node, "expected a table like { delay = \"2s\" }");
    return std::nullopt;
  }
  TableReader reader = r.table(*table, "slow_close");
  faults::SlowClose slow_close;
  r.required_duration(reader, "delay", "slow_close", "delay", slow_close.delay);
  reader.finish();
  return slow_close;
}

boost::json::object action_json(const faults::SlowClose& slow_close) {
  return {{"delay", format_duration(slow_close.delay)}};
}

}  // namespace faultline::config
