// The charts of the HTML report (report_html.cpp): latency percentiles, requests/s and
// errors/s over time, and the latency distribution by percentile on a log axis, as
// HdrHistogram's plotter draws it (x = 1/(1-p): 90 %, 99 %, 99.9 % evenly spaced).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "loadgen/run_result.hpp"

namespace faultline::loadgen {

// (percentile in [0, 1), latency in s): HdrHistogram's percentile ticks, 5 per halving of
// the distance to 100 %, until the ticks pass the resolution of the count; then the max.
std::vector<std::pair<double, double>> percentile_distribution(
    const metrics::HdrHistogram& latency);

// The report's <figure> elements, each an inline SVG chart.
std::string html_charts(const RunResult& result);

}  // namespace faultline::loadgen
