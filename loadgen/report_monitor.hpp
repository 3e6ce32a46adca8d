// The target's resources (--monitor, --monitor-pid) in the reports: a table of CPU %, RSS
// and open fds per stage and per interval in the text report, `monitor` in the JSON (the
// samples, and the figures of each stage and interval), RSS growth in the soak drift line,
// and the samples read back for `bench merge`.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

// "" when the run was not monitored.
std::string monitor_text(const RunResult& result);
// ", target rss 24.1MiB -> 25.3MiB (+5%)" for the drift line, or "".
std::string monitor_drift_text(const RunResult& result);

// Adds "monitor" to the root, to each of root["stages"] and root["intervals"], and the
// RSS of the first and last intervals to root["drift"].
void add_monitor_json(const RunResult& result, boost::json::object& root);
// Reads root["monitor"] back; returns an error naming the key, or "".
std::string read_monitor_json(const boost::json::object& root, RunResult& out);

}  // namespace faultline::loadgen
