#include "loadgen/scenario_experiment.hpp"

#include <cctype>
#include <cstdio>
#include <string>

namespace faultline::loadgen::scenario {

namespace {

// An environment variable's name as POSIX shells accept it.
bool valid_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// The steady-state hypothesis: the [thresholds] vocabulary, every entry must hold.
void read_steady_state(TableReader& experiment, Diagnostics& diagnostics,
                       ExperimentSettings& settings, bool& ok) {
  const toml::table* table = experiment.read_table("steady_state");
  if (table == nullptr) {
    if (!experiment.table().contains("steady_state")) {
      experiment.table_error(
          "missing steady_state, e.g. steady_state = { p99 = \"50ms\", error_rate = 0.001 }");
    }
    ok = false;
    return;
  }
  const std::string path = experiment.key_path("steady_state");
  if (table->empty()) {
    experiment.error("steady_state", table,
                     "expected at least one of p50, p95, p99, p999, max, mean, error_rate");
    ok = false;
  }
  for (auto&& [key, value] : *table) {
    std::string text;
    if (auto s = value.value<std::string>()) {
      text = *s;
    } else if (auto f = value.as_floating_point()) {
      char number[32];
      std::snprintf(number, sizeof number, "%g", f->get());
      text = number;
    } else if (auto i = value.as_integer()) {
      text = std::to_string(i->get());
    }
    Threshold threshold;
    std::string error = text.empty() ? "expected a duration like \"50ms\" or a fraction like 0.001"
                                     : make_threshold(key.str(), text, threshold);
    if (!error.empty()) {
      diagnostics.add(value.source(), faultline::join_key_path(path, key.str()), std::move(error));
      ok = false;
      continue;
    }
    settings.steady_state.push_back(std::move(threshold));
  }
}

}  // namespace

const toml::node* read_fault_switch(TableReader& stage, FaultSwitch& out) {
  const toml::node* first = nullptr;
  std::string profile;
  if (const toml::node* node = stage.read_string("profile", profile)) {
    if (profile.empty())
      stage.error("profile", node, "expected the name of one of the proxy's fault profiles");
    else
      out.profile = profile;
    first = node;
  }
  std::string faults;
  if (const toml::node* node = stage.read_string("faults", faults)) {
    if (faults == "on")
      out.faults_enabled = true;
    else if (faults == "off")
      out.faults_enabled = false;
    else
      stage.error("faults", node, "expected \"off\" (the kill switch) or \"on\"");
    if (first == nullptr) first = node;
  }
  return first;
}

std::optional<ExperimentSettings> read_experiment(TableReader& root, Diagnostics& diagnostics) {
  const toml::table* table = root.read_table("experiment");
  if (table == nullptr) return std::nullopt;
  TableReader reader(*table, "experiment", diagnostics);
  ExperimentSettings settings;
  bool ok = true;

  std::string admin;
  if (const toml::node* value = reader.read_string("admin", admin)) {
    std::string error = parse_target_url(admin, settings.admin);
    if (error.empty() && settings.admin.path != "/")
      error = "expected the admin listener's address only, like http://127.0.0.1:9901";
    if (!error.empty()) {
      reader.error("admin", value, std::move(error));
      ok = false;
    }
  } else {
    if (!table->contains("admin"))
      reader.table_error("missing admin, the proxy's admin API, like \"http://127.0.0.1:9901\"");
    ok = false;
  }

  if (const toml::node* value = reader.read_string("token_env", settings.token_env)) {
    if (!valid_variable_name(settings.token_env)) {
      reader.error("token_env", value,
                   "expected the name of an environment variable, like FAULTLINE_ADMIN_TOKEN "
                   "(the token itself never goes in the file)");
      ok = false;
    }
  } else if (table->contains("token_env")) {
    ok = false;
  }

  if (const toml::node* value = reader.node("token")) {
    reader.error("token", value,
                 "the token never goes in the file: put it in an environment variable and name "
                 "that with token_env");
    ok = false;
  }

  read_steady_state(reader, diagnostics, settings, ok);

  if (!reader.read_positive_duration("recovery_within", settings.recovery_within)) {
    if (!table->contains("recovery_within"))
      reader.table_error("missing recovery_within, e.g. recovery_within = \"5s\"");
    ok = false;
  }
  reader.finish();
  if (!ok) return std::nullopt;
  return settings;
}

}  // namespace faultline::loadgen::scenario
