#include "loadgen/scenario_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <thread>

#include <toml++/toml.h>

#include "base/file.hpp"
#include "loadgen/request_syntax.hpp"
#include "loadgen/scenario_experiment.hpp"
#include "loadgen/scenario_target.hpp"
#include "loadgen/shard.hpp"
#include "loadgen/steady_state.hpp"
#include "toml/table_reader.hpp"

namespace faultline::loadgen {

namespace {

// 0.01 -> "0.01" (std::to_string would give "0.010000"), for threshold texts.
std::string shortest_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

class ScenarioReader {
 public:
  ScenarioReader(std::string source, std::string base_dir)
      : diagnostics_(std::move(source)), base_dir_(std::move(base_dir)) {}

  ScenarioResult load(const toml::table& document) {
    TableReader root(document, "", diagnostics_);
    scenario::read_target(root, diagnostics_, base_dir_, plan_);
    read_requests(root);
    read_load(root);
    read_stages(root);
    read_stress(root);
    read_thresholds(root);
    read_experiment(root);
    root.finish();
    if (diagnostics_.empty()) {
      finish_model();
      if (plan_.stress) expand_stress_stages(plan_);
      apply_defaults(plan_, std::max(1u, std::thread::hardware_concurrency()));
      for (std::string& problem : validate_plan(plan_))
        diagnostics_.add_unplaced("", std::move(problem));
    }
    ScenarioResult result;
    result.errors = diagnostics_.take_sorted();
    if (result.errors.empty()) result.plan = std::move(plan_);
    return result;
  }

 private:
  // A number (integer or float) >= 0.
  const toml::node* read_rate(TableReader& reader, std::string_view key, double& out) {
    const toml::node* value = reader.node(key);
    if (value == nullptr) return nullptr;
    std::optional<double> number;
    if (auto i = value->as_integer())
      number = static_cast<double>(i->get());
    else if (auto f = value->as_floating_point())
      number = f->get();
    if (!number || !(*number >= 0) || *number > 1e7) {
      reader.error(key, value, "expected a rate in requests/s (a number from 0 to 10000000)");
      return nullptr;
    }
    out = *number;
    return value;
  }

  const toml::node* read_fraction(TableReader& reader, std::string_view key, double& out) {
    const toml::node* value = reader.node(key);
    if (value == nullptr) return nullptr;
    std::optional<double> number;
    if (auto i = value->as_integer())
      number = static_cast<double>(i->get());
    else if (auto f = value->as_floating_point())
      number = f->get();
    if (!number || !(*number >= 0 && *number <= 1)) {
      reader.error(key, value, "expected a fraction from 0 to 1, like 0.1");
      return nullptr;
    }
    out = *number;
    return value;
  }

  void read_requests(TableReader& root) {
    const toml::array* requests = root.read_array("requests", "[[requests]]");
    if (requests == nullptr) {
      plan_.requests.push_back(RequestTemplate{});  // GET of the target's path
      return;
    }
    faultline::for_each_table(
        *requests, "requests", "[[requests]]", diagnostics_,
        [&](const toml::table& table, const std::string& path, std::size_t index) {
          TableReader reader(table, path, diagnostics_);
          RequestTemplate request;
          request.path.clear();
          reader.read_integer("weight", 0, 1'000'000, request.weight);
          if (const toml::node* method = reader.read_string("method", request.method)) {
            const bool token =
                !request.method.empty() && std::all_of(request.method.begin(), request.method.end(),
                                                       [](char c) { return c >= 'A' && c <= 'Z'; });
            if (!token)
              reader.error("method", method, "expected an upper-case method like GET or POST");
          }
          if (const toml::node* p = reader.read_string("path", request.path)) {
            if (!request.path.starts_with("/"))
              reader.error("path", p, "expected a path starting with '/'");
            else if (auto problem = path_problem(request.path); !problem.empty())
              reader.error("path", p, std::move(problem));
          }
          if (const toml::table* headers = reader.read_table("headers")) {
            for (auto&& [name, value] : *headers) {
              if (auto text = value.value<std::string>()) {
                std::string problem = header_name_problem(name.str());
                if (problem.empty()) problem = header_value_problem(*text);
                if (!problem.empty()) {
                  diagnostics_.add(value.source(),
                                   faultline::join_key_path(path + ".headers", name.str()),
                                   std::move(problem));
                }
                request.headers.emplace_back(std::string(name.str()), *text);
              } else {
                diagnostics_.add(value.source(),
                                 faultline::join_key_path(path + ".headers", name.str()),
                                 "expected a string");
              }
            }
          }
          reader.read_string("body", request.body);
          std::string body_file;
          if (const toml::node* file = reader.read_string("body_file", body_file)) {
            if (table.contains("body"))
              reader.error("body_file", file, "give body or body_file, not both");
            std::string error;
            const std::string full =
                body_file.starts_with("/") ? body_file : base_dir_ + "/" + body_file;
            if (auto text = read_file(full, &error))
              request.body = std::move(*text);
            else
              reader.error("body_file", file, "cannot read " + full + ": " + error);
          }
          if (request.path.empty()) request.path = plan_.target.path;
          reader.finish();
          plan_.requests.push_back(std::move(request));
        });
    if (requests->empty())
      root.error("requests", requests, "no requests: add a [[requests]] table");
  }

  void read_load(TableReader& root) {
    const toml::table* table = root.read_table("load");
    if (table == nullptr) return;
    TableReader reader(*table, "load", diagnostics_);
    std::string model;
    if (const toml::node* value = reader.read_string("model", model)) {
      if (model == "open")
        model_ = LoadModel::open;
      else if (model == "closed")
        model_ = LoadModel::closed;
      else
        reader.error("model", value, "expected \"open\" or \"closed\"");
    }
    reader.read_integer("connections", 1, 100'000, plan_.connections);
    reader.read_integer("threads", 1, 1024, plan_.threads);
    reader.read_positive_duration("timeout", plan_.timeout);
    reader.read_positive_duration("interval", plan_.interval);
    std::string start_at;  // shards' common time 0 (shard.hpp)
    if (const toml::node* value = reader.read_string("start_at", start_at)) {
      double unix_seconds = 0;
      if (auto error = parse_start_at(start_at, unix_seconds); !error.empty())
        reader.error("start_at", value, error);
      else
        plan_.start_at = unix_seconds;
    }
    reader.finish();
  }

  void read_stages(TableReader& root) {
    const toml::array* stages = root.read_array("stages", "[[stages]]");
    if (stages == nullptr) return;
    double previous_rate = -1;
    bool both_in_one_stage = false;
    faultline::for_each_table(
        *stages, "stages", "[[stages]]", diagnostics_,
        [&](const toml::table& table, const std::string& path, std::size_t index) {
          TableReader reader(table, path, diagnostics_);
          Stage stage;
          stage.name = std::to_string(index + 1);
          reader.read_string("name", stage.name);
          if (!reader.read_positive_duration("duration", stage.duration) &&
              !table.contains("duration"))
            reader.table_error("missing duration");
          const toml::node* rate = read_rate(reader, "rate", stage.rate);
          const bool has_from = read_rate(reader, "from", stage.from_rate) != nullptr;
          const toml::node* users = reader.read_integer("users", 0, 100'000, stage.users);
          if (rate && users) {
            reader.error("users", users,
                         "a stage has a rate (open model) or users (closed), not both");
            both_in_one_stage = true;
          }
          if (has_from && !rate)
            reader.error("from", table.get("from"), "'from' needs a 'rate' to ramp to");
          if (rate) {
            any_rate_ = true;
            if (!has_from) stage.from_rate = previous_rate >= 0 ? previous_rate : stage.rate;
            previous_rate = stage.rate;
          }
          if (users) any_users_ = true;
          FaultSwitch& fault_switch = stage_switches_.emplace_back();
          if (const toml::node* where = scenario::read_fault_switch(reader, fault_switch)) {
            if (!root.table().contains("experiment") && first_switch_ == nullptr) {
              first_switch_ = where;
              first_switch_path_ =
                  faultline::join_key_path(path, table.contains("profile") ? "profile" : "faults");
            }
            any_switch_ = true;
          }
          if (root.table().contains("experiment") && stage.duration.count() > 0 &&
              stage.duration < kSteadyStateWindow) {
            reader.error("duration", table.get("duration"),
                         "an experiment's stage lasts at least 1s (the steady-state window)");
          }
          // Without either, a closed-model stage runs [load] connections users.
          if (model_ == LoadModel::open && !table.contains("rate") && !table.contains("users"))
            reader.table_error("an open-model stage needs a rate");
          reader.finish();
          plan_.stages.push_back(stage);
        });
    if (stages->empty()) root.error("stages", stages, "no stages: add a [[stages]] table");
    if (any_rate_ && any_users_ && !both_in_one_stage)
      root.error("stages", stages, "stages mix rate and users: use one model");
  }

  void read_stress(TableReader& root) {
    const toml::table* table = root.read_table("stress");
    if (table == nullptr) return;
    TableReader reader(*table, "stress", diagnostics_);
    StressSettings stress;
    if (const toml::node* rates = reader.node("rates")) {
      const toml::array* array = rates->as_array();
      bool ok = array != nullptr && !array->empty();
      if (ok) {
        for (auto&& element : *array) {
          if (auto i = element.as_integer())
            stress.rates.push_back(static_cast<double>(i->get()));
          else if (auto f = element.as_floating_point())
            stress.rates.push_back(f->get());
          else
            ok = false;
        }
      }
      if (!ok) reader.error("rates", rates, "expected a list of rates, like [50, 100, 200, 400]");
    } else {
      reader.table_error("missing rates");
    }
    reader.read_positive_duration("step_duration", stress.step_duration);
    reader.read_positive_duration("break_p95", stress.break_p95);
    read_fraction(reader, "break_error_rate", stress.break_error_rate);
    reader.finish();
    if (table->contains("rates") && root.table().contains("stages"))
      reader.table_error("[stress] makes its own stages: remove [[stages]]");
    plan_.stress = stress;
    model_ = LoadModel::open;
  }

  void read_thresholds(TableReader& root) {
    const toml::table* table = root.read_table("thresholds");
    if (table == nullptr) return;
    for (auto&& [key, value] : *table) {
      const std::string key_path = faultline::join_key_path("thresholds", key.str());
      std::string text;
      if (auto s = value.value<std::string>())
        text = *s;
      else if (auto f = value.as_floating_point())
        text = shortest_number(f->get());
      else if (auto i = value.as_integer())
        text = std::to_string(i->get());
      Threshold threshold;
      std::string error = text.empty()
                              ? "expected a duration like \"300ms\" or a fraction like 0.01"
                              : make_threshold(key.str(), text, threshold);
      if (!error.empty()) {
        diagnostics_.add(value.source(), key_path, std::move(error));
        continue;
      }
      plan_.thresholds.push_back(threshold);
    }
  }

  // [experiment], and the rules tying it to the stages.
  void read_experiment(TableReader& root) {
    if (first_switch_ != nullptr) {
      diagnostics_.add(first_switch_->source(), first_switch_path_,
                       "a stage switches faults through the admin API named in [experiment]: "
                       "add an [experiment] table with admin = \"http://host:port\"");
    }
    const toml::table* table = root.table().get_as<toml::table>("experiment");
    plan_.experiment = scenario::read_experiment(root, diagnostics_);
    if (plan_.experiment) plan_.experiment->stage_switches = stage_switches_;
    if (table == nullptr) return;
    TableReader reader(*table, "experiment", diagnostics_);
    if (!any_switch_)
      reader.table_error(
          "no stage switches faults: give a [[stages]] entry profile = \"NAME\" or "
          "faults = \"off\" | \"on\"");
    if (root.table().contains("stress"))
      reader.table_error("an experiment runs its own [[stages]]: remove [stress]");
  }

  void finish_model() {
    if (model_)
      plan_.model = *model_;
    else
      plan_.model = any_rate_ ? LoadModel::open : LoadModel::closed;
  }

  Diagnostics diagnostics_;
  std::string base_dir_;
  BenchPlan plan_;
  std::optional<LoadModel> model_;
  bool any_rate_ = false;
  bool any_users_ = false;
  std::vector<FaultSwitch> stage_switches_;   // per [[stages]] entry
  bool any_switch_ = false;                   // a stage has profile or faults
  const toml::node* first_switch_ = nullptr;  // ... in a scenario without [experiment]
  std::string first_switch_path_;             // "stages[1].profile"
};

}  // namespace

void apply_defaults(BenchPlan& plan, unsigned cores) {
  if (plan.connections == 0)
    plan.connections =
        plan.model == LoadModel::open ? kDefaultOpenConnections : kDefaultClosedConnections;
  if (plan.model == LoadModel::closed) {
    for (Stage& stage : plan.stages)
      if (stage.users == 0) stage.users = plan.connections;
  }
  if (plan.threads == 0) plan.threads = std::max(1u, cores);
  plan.threads = std::max(1u, std::min(plan.threads, std::max(1u, plan.max_connections())));
}

ScenarioResult parse_scenario(std::string_view toml_text, std::string_view source_name,
                              const std::string& base_dir) {
  toml::table document;
  try {
    document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    ScenarioResult result;
    result.errors.push_back(faultline::Diagnostic{
        std::string(source_name), static_cast<int>(error.source().begin.line),
        static_cast<int>(error.source().begin.column), "", std::string(error.description())});
    return result;
  }
  return ScenarioReader(std::string(source_name), base_dir).load(document);
}

ScenarioResult load_scenario_file(const std::string& path) {
  std::string error;
  auto text = read_file(path, &error);
  if (!text) {
    ScenarioResult result;
    result.errors.push_back(faultline::Diagnostic{path, 0, 0, "", "cannot read file: " + error});
    return result;
  }
  const std::size_t slash = path.rfind('/');
  return parse_scenario(*text, path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace faultline::loadgen
