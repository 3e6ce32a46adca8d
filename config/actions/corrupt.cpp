// corrupt = { bytes = 16 }
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Corrupt> read_action(ActionReader& r, const toml::node& node,
                                           Tag<faults::Corrupt>) {
  const auto value = r.size_table("corrupt", node, "bytes", 1, "16");
  if (!value) return std::nullopt;
  return faults::Corrupt{*value};
}

boost::json::object action_json(const faults::Corrupt& corrupt) {
  return {{"bytes", corrupt.bytes}};
}

}  // namespace faultline::config
