// abort = 503, or { status = 503, body = "...", headers = { "retry-after" = "1" } }
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Abort> read_action(ActionReader& r, const toml::node& node,
                                         Tag<faults::Abort>) {
  faults::Abort abort;
  if (const auto* status = node.as_integer()) {
    if (!r.status(r.rule(), "abort", node, status->get())) return std::nullopt;
    abort.status = static_cast<int>(status->get());
    return abort;
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("abort", &node, "expected a status like 503 or a table like { status = 503 }");
    return std::nullopt;
  }
  TableReader reader = r.table(*table, "abort");
  if (const toml::node* status = reader.node("status")) {
    const auto* integer = status->as_integer();
    if (integer == nullptr) {
      reader.error("status", status, "expected an HTTP status like 503");
    } else if (r.status(reader, "status", *status, integer->get())) {
      abort.status = static_cast<int>(integer->get());
    }
  } else {
    reader.table_error("abort has no status; add status = 503 (or another, 200 to 599)");
  }
  reader.read_string("body", abort.body);
  if (const toml::node* headers = reader.node("headers")) {
    r.header_fields(reader, "headers", *headers, abort.headers);
  }
  reader.finish();
  return abort;
}

boost::json::object action_json(const faults::Abort& abort) {
  boost::json::object out{{"status", abort.status}};
  if (!abort.body.empty()) out["body"] = abort.body;
  if (!abort.headers.empty()) {
    boost::json::object headers;
    for (const auto& [name, value] : abort.headers) headers[name] = value;
    out["headers"] = std::move(headers);
  }
  return out;
}

}  // namespace faultline::config
