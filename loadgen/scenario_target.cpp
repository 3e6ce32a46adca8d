#include "loadgen/scenario_target.hpp"

#include "base/file.hpp"

namespace faultline::loadgen::scenario {

void read_target(TableReader& root, Diagnostics& diagnostics, const std::string& base_dir,
                 BenchPlan& plan) {
  const toml::table* table = root.read_table("target");
  if (table == nullptr) {
    if (!root.table().contains("target")) root.table_error("no [target] table with a url");
    return;
  }
  TableReader reader(*table, "target", diagnostics);
  std::string url;
  const toml::node* value = reader.read_string("url", url);
  if (value != nullptr) {
    if (auto error = parse_target_url(url, plan.target, /*https_allowed=*/true); !error.empty())
      reader.error("url", value, error);
  } else if (!table->contains("url")) {
    reader.table_error("missing url");
  }
  const toml::node* cacert = reader.read_string("cacert", plan.cacert);
  const toml::node* insecure = reader.read_bool("insecure", plan.insecure);
  if ((cacert != nullptr || plan.insecure) && !plan.target.text.empty() && !plan.target.tls) {
    reader.error(cacert != nullptr ? "cacert" : "insecure", cacert != nullptr ? cacert : insecure,
                 "applies to https:// URLs only");
  }
  if (cacert != nullptr && insecure != nullptr && plan.insecure)
    reader.error("insecure", insecure, "give cacert or insecure = true, not both");
  if (cacert != nullptr) {
    if (!plan.cacert.starts_with("/")) plan.cacert = base_dir + "/" + plan.cacert;
    std::string why;
    if (!read_file(plan.cacert, &why))
      reader.error("cacert", cacert, "cannot read " + plan.cacert + ": " + why);
  }
  reader.finish();
}

}  // namespace faultline::loadgen::scenario
