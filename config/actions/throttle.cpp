// throttle = { bytes_per_second = "10KiB" }
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Throttle> read_action(ActionReader& r, const toml::node& node,
                                            Tag<faults::Throttle>) {
  const auto value = r.size_table("throttle", node, "bytes_per_second", 1, "\"10KiB\"");
  if (!value) return std::nullopt;
  return faults::Throttle{*value};
}

boost::json::object action_json(const faults::Throttle& throttle) {
  return {{"bytes_per_second", throttle.bytes_per_second}};
}

}  // namespace faultline::config
