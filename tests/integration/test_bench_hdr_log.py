"""`faultline bench --hdr-log`: the log is HdrHistogram's interval log format, read by an
independent HdrHistogram implementation (hdr_decoder.py: HdrHistogram's JS port), which
agrees with faultline's own JSON report: the same counts exactly, and every percentile in
the same HdrHistogram bucket (3 significant digits: within 0.1 %)."""

import json
import os
import re
import time

from hdr_decoder import install
from test_bench import BenchTestCase

HEADER = [
    r"#\[faultline bench http://127\.0\.0\.1:\d+/: latency in microseconds, Interval_Max in milliseconds\]",
    r"#\[Histogram log format version 1\.3\]",
    r"#\[StartTime: (\d+\.\d{3}) \(seconds since epoch\), \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\]",
    r"#\[BaseTime: (\d+\.\d{3}) \(seconds since epoch\)\]",
    r'"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
]
INTERVAL_LINE = re.compile(r"(\d+\.\d{3}),(\d+\.\d{3}),(\d+\.\d{3}),(HISTFAAA[A-Za-z0-9+/]+=*)")


class HdrLogTest(BenchTestCase):
    def test_hdrhistogram_js_reads_the_log_and_agrees_with_the_report(self):
        decoder = install(self)
        echo = self.start_echo(threads=1)
        log_path = os.path.join(self.make_temp_dir(), "run.hlog")
        launched = time.time()
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "400", "--duration", "3s",
                                     "--interval", "1s", "--threads", "1", "--hdr-log", log_path])
        with open(log_path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()

        # The layout HistogramLogWriter writes: header lines, then one line per interval.
        for pattern, line in zip(HEADER, lines):
            self.assertRegex(line, "^" + pattern + "$")
        start_time = float(re.match(HEADER[2], lines[2]).group(1))
        self.assertEqual(start_time, float(re.match(HEADER[3], lines[3]).group(1)))
        self.assertLess(abs(start_time - launched), 5)
        rows = [INTERVAL_LINE.fullmatch(line) for line in lines[len(HEADER):]]
        self.assertTrue(all(rows), lines)
        self.assertEqual(len(rows), len(report["intervals"]))
        self.assertEqual(len(rows), 3, result.stdout)

        decoded = decoder.read_log(log_path, [50, 90, 99, 99.9])
        latency = report["latency_seconds"]
        self.assertEqual(report["errors"], 0, result.stdout)
        self.assertEqual(decoded["count"], latency["count"])
        self.assertEqual(decoded["count"], report["requests"])
        for row, interval, js in zip(rows, report["intervals"], decoded["intervals"]):
            self.assertEqual(js["count"], interval["requests"])
            self.assertAlmostEqual(js["start_ms"] / 1000, start_time + float(row.group(1)), places=3)
            self.assertAlmostEqual((js["end_ms"] - js["start_ms"]) / 1000, float(row.group(2)), places=3)
            self.assertEqual(float(row.group(1)), interval["start_seconds"])
            # Interval_Max: HdrHistogram's maximum (the top of the largest value's bucket), in ms.
            self.assertEqual(round(float(row.group(3)) * 1000), js["max"])

        for percentile, key in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p999")):
            js = decoded["percentiles"][str(percentile)]
            ours = round(latency[key] * 1e6)  # µs
            # faultline reports a bucket's midpoint, HdrHistogram its top: the same bucket.
            self.assertLessEqual(js["lowest"], ours, f"P{percentile}: {js} vs {ours} us")
            self.assertLessEqual(ours, js["value"], f"P{percentile}: {js} vs {ours} us")
            self.assertLessEqual(js["value"] - js["lowest"], max(1, js["value"] / 1000))
        self.assertEqual(round(latency["max"] * 1e6) <= decoded["max"], True)


if __name__ == "__main__":
    import unittest
    unittest.main()
