#include "loadgen/report_reader.hpp"

#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "loadgen/report_monitor.hpp"
#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {

namespace {

namespace json = boost::json;

// Reads keys of one object, remembering the first problem with its path ("stages[1].rps").
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path, std::string& error)
      : object_(object), path_(std::move(path)), error_(error) {}

  const json::value* find(std::string_view key, bool required) {
    const json::value* value = object_.if_contains(key);
    if (value == nullptr && required) fail(key, "missing");
    return value;
  }
  double number(std::string_view key, bool required = true, double fallback = 0) {
    const json::value* value = find(key, required);
    if (value == nullptr) return fallback;
    if (!value->is_number()) return fail(key, "expected a number"), fallback;
    return value->to_number<double>();
  }
  std::uint64_t count(std::string_view key, bool required = true) {
    const double value = number(key, required);
    if (!(value >= 0) || value != std::floor(value)) return fail(key, "expected a count"), 0;
    return static_cast<std::uint64_t>(value);
  }
  std::string text(std::string_view key, bool required = true) {
    const json::value* value = find(key, required);
    if (value == nullptr) return "";
    if (!value->is_string()) return fail(key, "expected a string"), "";
    return std::string(value->get_string());
  }
  const json::object* object(std::string_view key, bool required = true) {
    const json::value* value = find(key, required);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) return fail(key, "expected an object"), nullptr;
    return &value->get_object();
  }
  const json::array* array(std::string_view key, bool required = true) {
    const json::value* value = find(key, required);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) return fail(key, "expected an array"), nullptr;
    return &value->get_array();
  }
  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void fail(std::string_view key, const std::string& problem) {
    if (error_.empty()) error_ = child(key) + ": " + problem;
  }
  bool ok() const { return error_.empty(); }

 private:
  const json::object& object_;
  std::string path_;
  std::string& error_;
};

void read_errors_by_kind(ObjectReader& reader, Tally& tally) {
  const json::object* kinds = reader.object("errors_by_kind");
  if (kinds == nullptr) return;
  std::string error;
  ObjectReader kind_reader(*kinds, reader.child("errors_by_kind"), error);
  for (std::size_t i = 0; i < kErrorKindCount; ++i)
    tally.errors_by_kind[i] = kind_reader.count(error_kind_name(static_cast<ErrorKind>(i)), false);
  if (!error.empty()) reader.fail("errors_by_kind", error);
}

// "histogram" decoded, with the recorded mean, min and max of "latency_seconds" put back.
void read_latency(ObjectReader& reader, metrics::HdrHistogram& out) {
  const std::string text = reader.text("histogram");
  if (!reader.ok()) return;
  if (auto error = metrics::hdr_decode_base64(text, out); !error.empty())
    return reader.fail("histogram", error);
  const json::object* summary = reader.object("latency_seconds", false);
  if (summary == nullptr || out.count() == 0) return;
  std::string error;
  ObjectReader s(*summary, reader.child("latency_seconds"), error);
  const double mean = s.number("mean", false, -1), min = s.number("min", false, -1),
               max = s.number("max", false, -1);
  if (s.find("count", false) != nullptr && s.count("count") != out.count())
    return reader.fail("histogram", "holds a different count than latency_seconds.count");
  if (error.empty() && mean >= 0 && min >= 0 && max >= 0) {
    const double sum = std::round(mean * 1e6 * static_cast<double>(out.count()));
    out.restore_summary(static_cast<std::uint64_t>(sum), std::llround(min * 1e6),
                        std::llround(max * 1e6));
  }
  if (!error.empty()) reader.fail("latency_seconds", error);
}

void read_stage(ObjectReader& r, StageResult& stage) {
  stage.name = r.text("name");
  stage.load = r.text("load", false);
  stage.seconds = r.number("duration_seconds");
  stage.tally.requests = r.count("requests");
  read_errors_by_kind(r, stage.tally);
  read_latency(r, stage.latency);
}

void read_interval(ObjectReader& r, IntervalResult& interval) {
  interval.start_seconds = r.number("start_seconds");
  interval.seconds = r.number("duration_seconds");
  interval.requests = r.count("requests");
  interval.errors = r.count("errors");
  // Unsent requests are not listed per interval, but rps leaves them out: recover them.
  const double sent = std::round(r.number("rps") * interval.seconds);
  interval.unsent = sent >= 0 && sent <= static_cast<double>(interval.requests)
                        ? interval.requests - static_cast<std::uint64_t>(sent)
                        : 0;
  interval.histogram = r.text("histogram");
  if (!r.ok()) return;
  metrics::HdrHistogram latency;
  if (auto error = metrics::hdr_decode_base64(interval.histogram, latency); !error.empty())
    return r.fail("histogram", error);
  interval.p50 = static_cast<double>(latency.quantile(0.5)) / 1e6;
  interval.p99 = static_cast<double>(latency.quantile(0.99)) / 1e6;
  interval.max_us = static_cast<std::uint64_t>(std::llround(r.number("max_seconds") * 1e6));
}

template <class Item, class ReadOne>
void read_list(ObjectReader& root, std::string_view key, std::vector<Item>& out, ReadOne read_one,
               std::string& error) {
  const json::array* items = root.array(key);
  if (items == nullptr) return;
  for (std::size_t i = 0; i < items->size() && error.empty(); ++i) {
    const std::string path = std::string(key) + "[" + std::to_string(i) + "]";
    if (!(*items)[i].is_object()) {
      error = path + ": expected an object";
      return;
    }
    ObjectReader reader((*items)[i].get_object(), path, error);
    read_one(reader, out.emplace_back());
  }
}

}  // namespace

std::string read_report(std::string_view json_text, RunResult& out) {
  boost::system::error_code ec;
  const json::value document = json::parse(json_text, ec);
  if (ec) return "not valid JSON: " + ec.message();
  if (!document.is_object()) return "expected a JSON object (a faultline bench --json report)";
  std::string error;
  ObjectReader root(document.get_object(), "", error);
  RunResult r;
  r.url = root.text("url");
  const std::string model = root.text("model");
  if (root.ok() && model != "open" && model != "closed")
    root.fail("model", "expected open or closed");
  r.model = model == "open" ? LoadModel::open : LoadModel::closed;
  r.connections = static_cast<unsigned>(root.count("connections"));
  r.threads = static_cast<unsigned>(root.count("threads"));
  r.seconds = root.number("duration_seconds");
  r.start_unix_seconds = root.number("start_unix_seconds", false);
  r.total.requests = root.count("requests");
  r.total.status_4xx = root.count("status_4xx", false);
  r.total.late = root.count("late", false);
  read_errors_by_kind(root, r.total);
  if (root.ok() && root.find("histogram", false) == nullptr)
    return "no \"histogram\": the report was written by a faultline without bench merge";
  read_latency(root, r.latency);
  read_list(root, "stages", r.stages, read_stage, error);
  read_list(root, "intervals", r.intervals, read_interval, error);
  if (const json::object* shard = root.object("shard", false)) {
    ObjectReader s(*shard, "shard", error);
    Shard value;
    value.index = static_cast<unsigned>(s.count("index"));
    value.count = static_cast<unsigned>(s.count("count"));
    if (s.ok() && (value.count == 0 || value.index >= value.count))
      s.fail("index", "must be below count");
    r.shard = value;
  }
  if (const json::object* merged = root.object("merged", false)) {
    ObjectReader m(*merged, "merged", error);
    ShardsMerged value;
    value.reports = m.count("reports");
    value.shard_count = static_cast<unsigned>(m.count("shard_count"));
    if (const json::array* shards = m.array("shards")) {
      for (const json::value& index : *shards) {
        if (!index.is_number()) {
          m.fail("shards", "expected numbers");
          break;
        }
        value.shards.push_back(index.to_number<unsigned>());
      }
    }
    r.merged = std::move(value);
  }
  if (const json::object* tls = root.object("first_tls_error", false)) {
    ObjectReader t(*tls, "first_tls_error", error);
    r.first_tls_error = TlsErrorSample{t.text("reason"), t.text("message")};
  }
  if (error.empty()) error = read_monitor_json(document.get_object(), r);
  if (!error.empty()) return error;
  out = std::move(r);
  return "";
}

std::string read_reports(std::string_view text, std::vector<RunResult>& out) {
  RunResult whole;
  const std::string whole_error = read_report(text, whole);
  if (whole_error.empty()) {
    out.push_back(std::move(whole));
    return "";
  }
  // One JSON document that is not a report: say why, rather than look for lines.
  if (!whole_error.starts_with("not valid JSON")) return whole_error;
  std::size_t found = 0, line_number = 0, pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (!line.starts_with('{')) continue;
    RunResult report;
    if (auto error = read_report(line, report); !error.empty())
      return "line " + std::to_string(line_number) + ": " + error;
    out.push_back(std::move(report));
    ++found;
  }
  if (found == 0) return "no report in it (expected a faultline bench --json report)";
  return "";
}

}  // namespace faultline::loadgen
