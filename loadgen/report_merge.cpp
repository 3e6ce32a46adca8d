#include "loadgen/report_merge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "metrics/hdr_encoding.hpp"

namespace faultline::loadgen {

namespace {

// Interval starts are multiples of --interval from each run's time 0: equal in every
// report of one run, up to the printed precision.
constexpr double kStartTolerance = 1e-3;
// Reports whose time 0 lies further apart than this did not run side by side.
constexpr double kStartSpreadWarning = 1.0;

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void merge_intervals(RunResult& into, const RunResult& other, std::vector<std::string>& errors,
                     std::vector<std::string>& warnings) {
  if (into.intervals.size() != other.intervals.size())
    warnings.push_back("the reports have " + std::to_string(into.intervals.size()) + " and " +
                       std::to_string(other.intervals.size()) +
                       " intervals: the extra ones come from fewer reports");
  for (std::size_t i = 0; i < other.intervals.size(); ++i) {
    if (i >= into.intervals.size()) {
      into.intervals.push_back(other.intervals[i]);
      continue;
    }
    IntervalResult& target = into.intervals[i];
    if (std::fabs(target.start_seconds - other.intervals[i].start_seconds) > kStartTolerance) {
      errors.push_back("interval " + std::to_string(i + 1) + " starts at " +
                       number_text(target.start_seconds) + "s in one report and " +
                       number_text(other.intervals[i].start_seconds) +
                       "s in another: merge runs made with the same --interval");
      return;
    }
    const IntervalResult& add = other.intervals[i];
    metrics::HdrHistogram latency;
    for (const std::string* text :
         {static_cast<const std::string*>(&target.histogram), &add.histogram}) {
      if (auto error = metrics::hdr_decode_base64(*text, latency); !error.empty()) {
        errors.push_back("interval " + std::to_string(i + 1) + ": " + error);
        return;
      }
    }
    target.seconds = std::max(target.seconds, add.seconds);
    target.requests += add.requests;
    target.errors += add.errors;
    target.unsent += add.unsent;
    target.max_us = std::max(target.max_us, add.max_us);
    target.p50 = static_cast<double>(latency.quantile(0.5)) / 1e6;
    target.p99 = static_cast<double>(latency.quantile(0.99)) / 1e6;
    target.histogram = metrics::hdr_encode_base64(latency);
  }
}

void merge_stages(RunResult& into, const RunResult& other, std::vector<std::string>& errors,
                  std::vector<std::string>& warnings) {
  if (into.stages.size() != other.stages.size())
    warnings.push_back("the reports have " + std::to_string(into.stages.size()) + " and " +
                       std::to_string(other.stages.size()) +
                       " stages (a run was interrupted?): the extra ones come from fewer reports");
  for (std::size_t i = 0; i < other.stages.size(); ++i) {
    const StageResult& stage = other.stages[i];
    if (i >= into.stages.size()) {
      into.stages.push_back(stage);
      continue;
    }
    StageResult& target = into.stages[i];
    if (target.name != stage.name) {
      errors.push_back("stage " + std::to_string(i + 1) + " is \"" + target.name +
                       "\" in one report and \"" + stage.name +
                       "\" in another: merge runs of the same scenario");
      return;
    }
    target.seconds = std::max(target.seconds, stage.seconds);
    target.tally.merge(stage.tally);
    target.latency.merge(stage.latency);
  }
}

}  // namespace

MergeOutcome merge_reports(std::vector<RunResult> reports) {
  MergeOutcome outcome;
  if (reports.empty()) {
    outcome.errors.push_back("no reports to merge");
    return outcome;
  }
  ShardsMerged shards;
  std::set<unsigned> seen;
  std::set<unsigned> counts;
  for (const RunResult& r : reports) {
    // A merged report stands for its own shards.
    std::vector<unsigned> indices;
    unsigned count = 0;
    shards.reports += r.merged ? r.merged->reports : 1;
    if (r.merged) indices = r.merged->shards, count = r.merged->shard_count;
    if (r.shard) indices = {r.shard->index}, count = r.shard->count;
    if (count > 0) counts.insert(count);
    for (unsigned index : indices) {
      if (!seen.insert(index).second)
        outcome.errors.push_back("shard " + std::to_string(index) +
                                 " is in more than one report: it would be counted twice");
    }
  }
  if (counts.size() > 1)
    outcome.errors.push_back("the reports are shards of runs split in different numbers (" +
                             std::to_string(*counts.begin()) + " and " +
                             std::to_string(*counts.rbegin()) + ")");
  shards.shards.assign(seen.begin(), seen.end());
  shards.shard_count = counts.empty() ? 0 : *counts.begin();
  if (shards.shard_count > 0 && seen.size() < shards.shard_count)
    outcome.warnings.push_back(std::to_string(shards.shard_count - seen.size()) + " of " +
                               std::to_string(shards.shard_count) +
                               " shards are missing: the merged run is part of the load");

  const bool any_stress = std::any_of(reports.begin(), reports.end(),
                                      [](const RunResult& r) { return r.stress.has_value(); });
  RunResult merged = std::move(reports.front());
  double earliest = merged.start_unix_seconds, latest = merged.start_unix_seconds;
  for (std::size_t k = 1; k < reports.size(); ++k) {
    const RunResult& r = reports[k];
    if (r.model != merged.model)
      outcome.errors.push_back("an open-model report and a closed-model one cannot be added");
    if (r.url != merged.url && merged.url.find(r.url) == std::string::npos)
      merged.url += ", " + r.url;
    merged.connections += r.connections;
    merged.threads += r.threads;
    merged.seconds = std::max(merged.seconds, r.seconds);
    earliest = std::min(earliest, r.start_unix_seconds);
    latest = std::max(latest, r.start_unix_seconds);
    merged.total.merge(r.total);
    merged.latency.merge(r.latency);
    merge_stages(merged, r, outcome.errors, outcome.warnings);
    merge_intervals(merged, r, outcome.errors, outcome.warnings);
    // Every shard watched the same target: one series of samples is the target's.
    if (!merged.monitor && r.monitor) merged.monitor = r.monitor;
    if (!merged.first_tls_error && r.first_tls_error) merged.first_tls_error = r.first_tls_error;
  }
  if (latest - earliest > kStartSpreadWarning)
    outcome.warnings.push_back("the runs started " + number_text(latest - earliest) +
                               "s apart: their intervals are added by position (give the "
                               "shards one --start-at)");
  if (reports.size() > 1 && any_stress) {
    merged.stress.reset();
    outcome.warnings.push_back("stress outcomes are judged per run and are left out");
  }
  merged.start_unix_seconds = earliest;
  merged.shard.reset();
  merged.merged = std::move(shards);
  if (outcome.errors.empty()) outcome.merged = std::move(merged);
  return outcome;
}

}  // namespace faultline::loadgen
