"""`faultline bench --html FILE`, opened from disk in a real browser (headless chromium,
offline): the four charts render with their lines, the stress step that broke and the last
good one are marked, the failed and the passed threshold are shown, and the page logs no
error and asks for nothing over the network. The README's screenshot is taken on the way.
"""

from __future__ import annotations

import json
import os
import re
import unittest

import browser
from harness import FaultlineTestCase, run_cli

SCENARIO = """
[target]
url = "http://127.0.0.1:{port}"

[[requests]]                 # 19 in 20 take 10 ms
weight = 19
path = "/delay/10"
[[requests]]                 # 1 in 20 is a 503: errors on the charts
weight = 1
path = "/status/503"

[load]
connections = 8              # 8 x 10 ms: the target holds up to ~800 requests/s
threads = 2
timeout = "5s"

[stress]
rates = [100, 200, 400, 1600]
step_duration = "2s"
break_p95 = "100ms"
break_error_rate = 0.5

[thresholds]
p99 = "30s"                  # passes
error_rate = 0.01            # fails: one request in twenty is a 503
"""


class HtmlReportTest(FaultlineTestCase):
    def test_report_opens_from_disk_with_its_charts_table_and_gates(self):
        env = browser.require()
        echo = self.start_echo()
        scenario = self.write_file("stress.toml", SCENARIO.format(port=echo.port))
        directory = self.make_temp_dir()
        html, report_json = os.path.join(directory, "report.html"), os.path.join(directory, "report.json")
        result = run_cli(["bench", "-s", scenario, "--html", html, "--json", report_json], timeout=120)
        self.assertEqual(result.returncode, 1, "a failed threshold exits 1\n" + result.stdout + result.stderr)
        self.assertIn("Stress: broke at 1600/s", result.stdout)
        with open(html, encoding="utf-8") as handle:
            text = handle.read()
        self.assertNotIn("<script", text)
        self.assertIsNone(re.search(r'(src|href)="(https?:)?//', text))
        with open(report_json, encoding="utf-8") as handle:
            numbers = json.load(handle)

        screenshot = browser.screenshot_path("html-report.png")
        if os.path.exists(screenshot):
            os.remove(screenshot)
        page = browser.BrowserScript(env, "html_report.mjs", {"file": html, "screenshot": screenshot})
        self.addCleanup(page.close)
        seen = page.expect("report", timeout=60)
        self.assertEqual(seen["problems"], [])
        self.assertEqual(seen["requests"], [], "the report fetches nothing")
        self.assertIn(f"127.0.0.1:{echo.port}", seen["title"])

        charts = {chart["id"]: chart for chart in seen["charts"]}
        self.assertEqual(sorted(charts), ["distribution", "errors", "latency", "rate"])
        for chart in charts.values():
            self.assertGreater(chart["width"], 200, chart["id"])
        lines = {(c, s["key"]): s for c, chart in charts.items() for s in chart["series"]}
        seconds = numbers["duration_seconds"]
        for key in ["latency/p50", "latency/p99", "rate/rps", "errors/status_5xx", "distribution/latency"]:
            chart, series = key.split("/")
            line = lines[(chart, series)]
            self.assertGreater(line["width"], 50, key)
            self.assertGreater(line["height"], 1, key)
            if chart != "distribution":  # one point per second of the run
                self.assertGreaterEqual(line["points"], int(seconds) - 1, key)
        self.assertIn("99.9%", charts["distribution"]["ticks"])

        self.assertEqual(seen["stages"], 4)
        self.assertEqual(len(seen["broke"]), 1)
        self.assertEqual(seen["broke"][0][1], "1600/s")
        self.assertTrue(seen["broke"][0][-1].startswith("broke: "), seen["broke"])
        self.assertEqual([row[1] for row in seen["last_good"]], ["400/s"])
        self.assertEqual([row[1] for row in seen["failed"]], ["error_rate<0.01"])
        self.assertEqual([row[1] for row in seen["passed"]], ["p99<30s"])
        self.assertEqual(seen["summary"]["requests"], str(numbers["requests"]))

        with open(screenshot, "rb") as handle:
            self.assertEqual(handle.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
