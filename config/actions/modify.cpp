// modify = { status = 502, set_headers = { "cache-control" = "no-store" },
//            remove_headers = ["etag"], body = "rewritten" }       at least one of them
#include "base/text.hpp"
#include "config/action_format.hpp"

namespace faultline::config {

std::optional<faults::Modify> read_action(ActionReader& r, const toml::node& node,
                                          Tag<faults::Modify>) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("modify", &node,
                   "expected a table like { status = 502, set_headers = { \"x-a\" = \"1\" } }");
    return std::nullopt;
  }
  TableReader reader = r.table(*table, "modify");
  faults::Modify modify;
  if (const toml::node* status = reader.node("status")) {
    const auto* integer = status->as_integer();
    if (integer == nullptr) {
      reader.error("status", status, "expected an HTTP status like 502");
    } else if (r.status(reader, "status", *status, integer->get())) {
      modify.status = static_cast<int>(integer->get());
    }
  }
  if (const toml::node* headers = reader.node("set_headers")) {
    r.header_fields(reader, "set_headers", *headers, modify.set_headers);
  }
  if (const toml::node* names = reader.node("remove_headers")) {
    const toml::array* array = names->as_array();
    if (array == nullptr) {
      reader.error("remove_headers", names, "expected an array of header names like [\"etag\"]");
    } else {
      for (std::size_t index = 0; index < array->size(); ++index) {
        const toml::node& element = *array->get(index);
        const auto* text = element.as_string();
        if (text == nullptr || !is_token(text->get())) {
          r.diagnostics().add(element.source(),
                              index_key_path(reader.key_path("remove_headers"), index),
                              "expected a header name like \"etag\"");
          continue;
        }
        modify.remove_headers.push_back(lowercase(text->get()));
      }
    }
  }
  std::string body;
  // The replacement goes out through one relay buffer (64 KiB): a page, not a download.
  constexpr std::size_t kMaxBody = 64 * 1024;
  if (const toml::node* body_node = reader.read_string("body", body)) {
    if (body.size() > kMaxBody) {
      reader.error("body", body_node, "must be at most 65536 bytes (64 KiB)");
    } else {
      modify.body = std::move(body);
    }
  }
  if (!table->contains("status") && !table->contains("set_headers") &&
      !table->contains("remove_headers") && !table->contains("body")) {
    reader.table_error("modify changes nothing; add status, set_headers, remove_headers or body");
  }
  reader.finish();
  return modify;
}

boost::json::object action_json(const faults::Modify& modify) {
  boost::json::object out;
  if (modify.status) out["status"] = *modify.status;
  if (!modify.set_headers.empty()) {
    boost::json::object headers;
    for (const auto& [name, value] : modify.set_headers) headers[name] = value;
    out["set_headers"] = std::move(headers);
  }
  if (!modify.remove_headers.empty()) {
    boost::json::array names;
    for (const auto& name : modify.remove_headers) names.emplace_back(name);
    out["remove_headers"] = std::move(names);
  }
  if (modify.body) out["body"] = *modify.body;
  return out;
}

}  // namespace faultline::config
