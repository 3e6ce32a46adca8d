// The chaos-experiment parts of the two reports (report.hpp): per stage the fault profile
// in force and whether the steady state held, the timeline of switches, the recovery time
// and the verdict. Internal to report_text.cpp and report_json.cpp.
#pragma once

#include <cstddef>
#include <string>

#include <boost/json/object.hpp>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen::report {

// The "Experiment" block of the text report.
std::string experiment_text(const RunResult& result);

// The "experiment" object of the JSON report.
boost::json::object experiment_json(const ExperimentOutcome& outcome,
                                    const std::vector<StageResult>& stages);
// Adds "profile", "faults_enabled" and "steady_state" to stage `index`'s object.
void add_experiment_stage_fields(const ExperimentOutcome& outcome, std::size_t index,
                                 boost::json::object& stage);

}  // namespace faultline::loadgen::report
