#include <cstdarg>
#include <cstdio>

#include "loadgen/report.hpp"
#include "loadgen/report_experiment.hpp"
#include "loadgen/report_monitor.hpp"

namespace faultline::loadgen {

namespace {

void append(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void append(std::string& out, const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  out += line;
}

std::string errors_by_kind(const Tally& tally) {
  std::string text;
  for (std::size_t i = 0; i < kErrorKindCount; ++i) {
    text += i == 0 ? "" : ", ";
    text += error_kind_name(static_cast<ErrorKind>(i));
    text += " " + std::to_string(tally.errors_by_kind[i]);
  }
  return text;
}

void append_drift(std::string& out, const std::vector<IntervalResult>& intervals,
                  const std::string& target) {
  if (intervals.size() < 2) return;
  const IntervalResult& first = intervals.front();
  const IntervalResult& last = intervals.back();
  const double p99_change = first.p99 > 0 ? (last.p99 / first.p99 - 1) * 100 : 0;
  append(out, "  drift (first vs last interval): p99 %s -> %s (%+.0f%%), errors %s -> %s%s\n",
         format_seconds(first.p99).c_str(), format_seconds(last.p99).c_str(), p99_change,
         format_percent(first.error_rate()).c_str(), format_percent(last.error_rate()).c_str(),
         target.c_str());
}

// Which share of a larger run this is (--shard), or what `bench merge` added up.
void append_shards(std::string& out, const RunResult& r) {
  if (r.shard) append(out, "  shard %u/%u of a larger run\n", r.shard->index, r.shard->count);
  if (!r.merged) return;
  std::string shards;
  for (unsigned index : r.merged->shards)
    shards += (shards.empty() ? "" : ", ") + std::to_string(index);
  if (r.merged->shard_count > 0)
    append(out, "  merged from %zu reports: shards %s of %u\n", r.merged->reports, shards.c_str(),
           r.merged->shard_count);
  else
    append(out, "  merged from %zu reports\n", r.merged->reports);
}

}  // namespace

std::string text_report(const RunResult& r, const Verdict& verdict) {
  std::string out;
  const LatencySummary s = summarize_latency(r.latency);
  append(out, "%s model @ %s: %u connections, %u threads, %.2fs\n",
         r.model == LoadModel::open ? "open" : "closed", r.url.c_str(), r.connections, r.threads,
         r.seconds);
  append_shards(out, r);
  append(out, "  Latency %s  mean %s  stdev %s  max %s\n",
         r.model == LoadModel::open
             ? "(from the intended send time, coordinated omission corrected)"
             : "(closed model: from the actual send time)",
         format_seconds(s.mean).c_str(), format_seconds(s.stddev).c_str(),
         format_seconds(s.max).c_str());
  append(out, "  Latency Distribution (HdrHistogram, %llu answered requests)\n",
         static_cast<unsigned long long>(s.count));
  const std::pair<const char*, double> rows[] = {
      {"50.000%", s.p50}, {"75.000%", s.p75},  {"90.000%", s.p90},   {"95.000%", s.p95},
      {"99.000%", s.p99}, {"99.900%", s.p999}, {"99.990%", s.p9999}, {"100.000%", s.max}};
  for (const auto& [label, value] : rows)
    append(out, "  %8s  %10s\n", label, format_seconds(value).c_str());

  if (r.stages.size() > 1) {
    append(out, "  Stages\n  %-10s %-16s %7s %9s %7s %8s %9s %9s %9s %9s %9s %9s\n", "stage",
           "load", "seconds", "requests", "errors", "req/s", "mean", "p50", "p95", "p99", "p99.9",
           "max");
    for (const StageResult& stage : r.stages) {
      const LatencySummary ls = summarize_latency(stage.latency);
      append(out, "  %-10s %-16s %7.2f %9llu %7llu %8.1f %9s %9s %9s %9s %9s %9s\n",
             stage.name.c_str(), stage.load.c_str(), stage.seconds,
             static_cast<unsigned long long>(stage.tally.requests),
             static_cast<unsigned long long>(stage.tally.errors()), stage.rps(),
             format_seconds(ls.mean).c_str(), format_seconds(ls.p50).c_str(),
             format_seconds(ls.p95).c_str(), format_seconds(ls.p99).c_str(),
             format_seconds(ls.p999).c_str(), format_seconds(ls.max).c_str());
    }
  }
  if (r.intervals.size() > 1) {
    append(out, "  Intervals\n  %9s %10s %8s %9s %9s %9s\n", "start", "requests", "errors", "req/s",
           "p50", "p99");
    for (const IntervalResult& i : r.intervals) {
      append(out, "  %8.0fs %10llu %8llu %9.1f %9s %9s\n", i.start_seconds,
             static_cast<unsigned long long>(i.requests), static_cast<unsigned long long>(i.errors),
             i.rps(), format_seconds(i.p50).c_str(), format_seconds(i.p99).c_str());
    }
    append_drift(out, r.intervals, monitor_drift_text(r));
  }

  out += monitor_text(r);
  append(out, "  %llu requests in %.2fs, %llu errors (%s)\n",
         static_cast<unsigned long long>(r.total.requests), r.seconds,
         static_cast<unsigned long long>(r.total.errors()), errors_by_kind(r.total).c_str());
  if (r.first_tls_error)
    append(out, "  First TLS error: %s (%s)\n", r.first_tls_error->message.c_str(),
           r.first_tls_error->reason.c_str());
  if (r.total.status_4xx > 0)
    append(out, "  Status 4xx responses: %llu (not counted as errors)\n",
           static_cast<unsigned long long>(r.total.status_4xx));
  if (r.model == LoadModel::open)
    append(out, "  Late (waited for a free connection): %llu\n",
           static_cast<unsigned long long>(r.total.late));
  append(out, "Requests/sec: %10.2f\n", r.rps());
  append(out, "Error rate:   %10s\n", format_percent(r.total.error_rate()).c_str());

  if (r.stress) {
    const StressOutcome& st = *r.stress;
    if (st.last_good)
      append(out, "Stress: last good step %.0f/s (p95 %s, errors %s)\n", st.last_good->rate,
             format_seconds(st.last_good->p95_seconds).c_str(),
             format_percent(st.last_good->error_rate).c_str());
    else
      append(out, "Stress: no step held\n");
    if (st.broke_at)
      append(out, "Stress: broke at %.0f/s: %s\n", st.broke_at->rate, st.reason.c_str());
    else
      append(out, "Stress: no step broke the limits\n");
  }
  for (const ThresholdResult& t : verdict.thresholds) {
    const bool is_rate = t.threshold.metric == ThresholdMetric::error_rate;
    append(out, "Threshold %-22s %s (actual %s)\n", t.threshold.text.c_str(),
           t.passed ? "passed" : "FAILED",
           is_rate ? format_percent(t.actual).c_str() : format_seconds(t.actual).c_str());
  }
  for (const BaselineCheck& b : verdict.baseline) {
    const bool is_rps = b.metric == "rps";
    append(out, "Baseline %-4s %12s -> %-12s %+6.1f%% worse  %s (max %.1f%%)\n", b.metric.c_str(),
           is_rps ? std::to_string(static_cast<long long>(b.baseline)).c_str()
                  : format_seconds(b.baseline).c_str(),
           is_rps ? std::to_string(static_cast<long long>(b.current)).c_str()
                  : format_seconds(b.current).c_str(),
           b.change * 100, b.passed ? "passed" : "FAILED", verdict.max_regression * 100);
  }
  if (r.experiment) out += report::experiment_text(r);
  return out;
}

std::string progress_line(double elapsed, double total, double rate, std::uint64_t requests,
                          std::uint64_t errors, double p99) {
  char line[160];
  const double error_rate =
      requests == 0 ? 0 : static_cast<double>(errors) / static_cast<double>(requests);
  std::snprintf(line, sizeof line, "[%6.1fs/%.1fs] %9.1f req/s  errors %llu (%s)  p99 %s", elapsed,
                total, rate, static_cast<unsigned long long>(errors),
                format_percent(error_rate).c_str(), format_seconds(p99).c_str());
  return line;
}

}  // namespace faultline::loadgen
