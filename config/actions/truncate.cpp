// truncate = { after_bytes = 1024 }
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Truncate> read_action(ActionReader& r, const toml::node& node,
                                            Tag<faults::Truncate>) {
  const auto value = r.size_table("truncate", node, "after_bytes", 0, "1024");
  if (!value) return std::nullopt;
  return faults::Truncate{*value};
}

boost::json::object action_json(const faults::Truncate& truncate) {
  return {{"after_bytes", truncate.after_bytes}};
}

}  // namespace faultline::config
