// slice = { average_size = 64, size_variation = 16, delay = "1ms" }   (TCP rules)
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Slice> read_action(ActionReader& r, const toml::node& node,
                                         Tag<faults::Slice>) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("slice", &node,
                   "expected a table like { average_size = 64, size_variation = 16, delay = "
                   "\"1ms\" }");
    return std::nullopt;
  }
  TableReader reader = r.table(*table, "slice");
  faults::Slice slice;
  const bool sized = reader.read_size("average_size", 1, 1ull << 30, slice.average_size) != nullptr;
  if (!table->contains("average_size")) {
    reader.table_error("slice needs average_size (bytes per slice)");
  }
  reader.read_size("size_variation", 0, 1ull << 30, slice.size_variation);
  if (const toml::node* delay = reader.node("delay")) {
    r.duration(reader, "delay", *delay, false, slice.delay);
  }
  reader.finish();
  if (sized && slice.size_variation >= slice.average_size) {
    reader.error("size_variation", reader.node("size_variation"),
                 "must be smaller than average_size");
    return std::nullopt;
  }
  return slice;
}

boost::json::object action_json(const faults::Slice& slice) {
  return {{"average_size", slice.average_size},
          {"size_variation", slice.size_variation},
          {"delay", format_duration(slice.delay)}};
}

}  // namespace faultline::config
