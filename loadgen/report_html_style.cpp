// The stylesheet of the HTML report (report_html.cpp), inlined into every report so that
// the file stands alone. System fonts only: nothing is fetched.
#include <string_view>

namespace faultline::loadgen {

std::string_view html_report_style() {
  return R"css(:root { --ink: #1d2330; --dim: #6b7280; --line: #e3e6eb; --bad: #d63b33; --good: #1f9d55; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f5f6f8;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0; }
main { padding: 16px 24px; max-width: 1500px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
.dim { color: var(--dim); }
.verdict { display: inline-block; padding: 2px 12px; border-radius: 10px; font-weight: 700; }
.verdict.passed { background: #dcf5e5; color: var(--good); }
.verdict.failed { background: #fde2e0; color: var(--bad); }
.summary { display: flex; flex-wrap: wrap; gap: 8px 26px; background: #fff; padding: 12px 16px;
  border: 1px solid var(--line); border-radius: 8px; }
.summary span { display: block; font-size: 11px; color: var(--dim); text-transform: uppercase; }
.summary b { font-size: 20px; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
@media (max-width: 1000px) { .charts { grid-template-columns: 1fr; } }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; }
figcaption { font-size: 13px; }
.legend { margin-left: 10px; font-size: 11px; color: var(--dim); }
.legend i { display: inline-block; width: 10px; height: 3px; margin: 0 3px 2px 9px;
  vertical-align: middle; }
svg.plot { width: 100%; height: auto; display: block; }
svg.plot text { font-size: 10px; fill: var(--dim); }
svg.plot .grid { stroke: var(--line); }
svg.plot .marker { stroke: #b9bec7; stroke-dasharray: 3 3; }
svg.plot text.marker { stroke: none; fill: var(--dim); }
svg.plot rect.fault { fill: #e8554c; opacity: 0.12; }
svg.plot path.series { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 13px; }
td, th { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right;
  font-variant-numeric: tabular-nums; }
td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) { text-align: left; }
th { color: var(--dim); font-weight: 600; }
tr.broke td { background: #fde2e0; color: var(--bad); font-weight: 600; }
tr.last-good td { background: #dcf5e5; }
tr.failed td:last-child { color: var(--bad); font-weight: 700; }
tr.passed td:last-child { color: var(--good); font-weight: 700; }
footer { padding: 10px 24px 24px; font-size: 12px; }
)css";
}

}  // namespace faultline::loadgen
