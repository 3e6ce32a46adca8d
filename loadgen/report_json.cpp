#include <cmath>
#include <cstdio>
#include <cstring>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "loadgen/report.hpp"
#include "loadgen/report_experiment.hpp"
#include "loadgen/report_monitor.hpp"
#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {

namespace {

namespace json = boost::json;

json::object latency_object(const metrics::HdrHistogram& histogram) {
  const LatencySummary s = summarize_latency(histogram);
  return json::object{{"mean", s.mean}, {"p50", s.p50},   {"p95", s.p95},
                      {"p99", s.p99},   {"p999", s.p999}, {"max", s.max},
                      {"p90", s.p90},   {"min", s.min},   {"count", s.count}};
}

json::object errors_object(const Tally& tally) {
  json::object errors;
  for (std::size_t i = 0; i < kErrorKindCount; ++i)
    errors[error_kind_name(static_cast<ErrorKind>(i))] = tally.errors_by_kind[i];
  return errors;
}

json::object step_object(const StressOutcome::Step& step) {
  return json::object{
      {"rate", step.rate}, {"p95_seconds", step.p95_seconds}, {"error_rate", step.error_rate}};
}

// Boost.JSON writes doubles in exponent form ("4E2"); people read these reports too, so
// numbers are written as printf's %.9g would ("400", "0.0123"), with ".0" added to whole
// doubles so that the type stays visible ("400.0").
void write_json(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ", ";
        first = false;
        out += json::serialize(json::string(key));
        out += ": ";
        write_json(item, out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ", ";
        first = false;
        write_json(item, out);
      }
      out += ']';
      break;
    }
    case json::kind::double_: {
      const double d = value.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        break;
      }
      char text[40];
      // Unix times (start_unix_seconds) need their milliseconds, not 9 digits.
      std::snprintf(text, sizeof text, std::fabs(d) >= 1e9 ? "%.3f" : "%.9g", d);
      out += text;
      if (std::strpbrk(text, ".eE") == nullptr) out += ".0";
      break;
    }
    default:
      out += json::serialize(value);
  }
}

}  // namespace

std::string json_report(const RunResult& r, const Verdict& verdict) {
  json::object root;
  root["url"] = r.url;
  root["model"] = r.model == LoadModel::open ? "open" : "closed";
  root["connections"] = r.connections;
  root["threads"] = r.threads;
  root["requests"] = r.total.requests;
  root["errors"] = r.total.errors();
  root["errors_by_kind"] = errors_object(r.total);
  root["error_rate"] = r.total.error_rate();
  root["status_4xx"] = r.total.status_4xx;
  root["late"] = r.total.late;
  root["duration_seconds"] = r.seconds;
  root["rps"] = r.rps();
  root["latency_seconds"] = latency_object(r.latency);
  root["start_unix_seconds"] = r.start_unix_seconds;
  root["histogram"] = metrics::hdr_encode_base64(r.latency);
  if (r.first_tls_error)
    root["first_tls_error"] = json::object{{"reason", r.first_tls_error->reason},
                                           {"message", r.first_tls_error->message}};
  if (r.shard) root["shard"] = json::object{{"index", r.shard->index}, {"count", r.shard->count}};
  if (r.merged) {
    json::array shards;
    for (unsigned index : r.merged->shards) shards.push_back(index);
    root["merged"] = json::object{{"reports", r.merged->reports},
                                  {"shards", std::move(shards)},
                                  {"shard_count", r.merged->shard_count}};
  }

  json::array stages;
  for (const StageResult& stage : r.stages) {
    stages.push_back(json::object{{"name", stage.name},
                                  {"load", stage.load},
                                  {"duration_seconds", stage.seconds},
                                  {"requests", stage.tally.requests},
                                  {"errors", stage.tally.errors()},
                                  {"errors_by_kind", errors_object(stage.tally)},
                                  {"rps", stage.rps()},
                                  {"latency_seconds", latency_object(stage.latency)},
                                  {"histogram", metrics::hdr_encode_base64(stage.latency)}});
    if (r.experiment)
      report::add_experiment_stage_fields(*r.experiment, stages.size() - 1,
                                          stages.back().as_object());
  }
  root["stages"] = std::move(stages);
  if (r.experiment) root["experiment"] = report::experiment_json(*r.experiment, r.stages);

  json::array intervals;
  for (const IntervalResult& i : r.intervals) {
    intervals.push_back(json::object{{"start_seconds", i.start_seconds},
                                     {"duration_seconds", i.seconds},
                                     {"requests", i.requests},
                                     {"errors", i.errors},
                                     {"error_rate", i.error_rate()},
                                     {"rps", i.rps()},
                                     {"p50_seconds", i.p50},
                                     {"p99_seconds", i.p99},
                                     {"max_seconds", static_cast<double>(i.max_us) / 1e6},
                                     {"histogram", i.histogram}});
  }
  root["intervals"] = std::move(intervals);
  if (r.intervals.size() >= 2) {
    const IntervalResult& first = r.intervals.front();
    const IntervalResult& last = r.intervals.back();
    root["drift"] = json::object{{"p99_first_seconds", first.p99},
                                 {"p99_last_seconds", last.p99},
                                 {"error_rate_first", first.error_rate()},
                                 {"error_rate_last", last.error_rate()}};
  }

  if (r.stress) {
    json::object stress;
    stress["last_good"] =
        r.stress->last_good ? json::value(step_object(*r.stress->last_good)) : nullptr;
    if (r.stress->broke_at) {
      json::object broke{{"rate", r.stress->broke_at->rate},
                         {"reason", r.stress->reason},
                         {"p95_seconds", r.stress->broke_at->p95_seconds},
                         {"error_rate", r.stress->broke_at->error_rate}};
      stress["broke_at"] = std::move(broke);
    } else {
      stress["broke_at"] = nullptr;
    }
    root["stress"] = std::move(stress);
  }

  json::array thresholds;
  for (const ThresholdResult& t : verdict.thresholds)
    thresholds.push_back(
        json::object{{"threshold", t.threshold.text}, {"actual", t.actual}, {"passed", t.passed}});
  root["thresholds"] = std::move(thresholds);
  if (!verdict.baseline_file.empty()) {
    json::array checks;
    for (const BaselineCheck& b : verdict.baseline)
      checks.push_back(json::object{{"metric", b.metric},
                                    {"baseline", b.baseline},
                                    {"current", b.current},
                                    {"change", b.change},
                                    {"passed", b.passed}});
    root["baseline"] = json::object{{"file", verdict.baseline_file},
                                    {"max_regression", verdict.max_regression},
                                    {"checks", std::move(checks)}};
  }
  root["passed"] = verdict.passed();
  add_monitor_json(r, root);
  std::string text;
  write_json(root, text);
  return text + "\n";
}

}  // namespace faultline::loadgen
