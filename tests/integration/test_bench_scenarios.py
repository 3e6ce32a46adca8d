"""`faultline bench -s scenario.toml`: stages, the weighted request mix, scenario errors, soak
intervals and the --metrics-listen endpoint (README "Load generator")."""

import json
import os
import re
import signal
import time
import unittest

from harness import FaultlineProcess, http_get, parse_prometheus_text, run_cli, simple_response, sum_samples
from test_bench import BenchTestCase


class ScenarioTest(BenchTestCase):
    def write_scenario(self, text: str) -> str:
        return self.write_file("scenario.toml", text)

    def test_ramp_then_spike_stages_owe_their_integral(self):
        # Ramp 0 -> 200/s over 2 s (200 requests), then a 1 s spike at 400/s (400 requests).
        echo = self.start_echo(threads=1)
        path = self.write_scenario(f"""
[target]
url = "http://127.0.0.1:{echo.port}/"

[[stages]]
name = "ramp"
duration = "2s"
from = 0
rate = 200

[[stages]]
name = "spike"
duration = "1s"
from = 400
rate = 400

[thresholds]
error_rate = 0.01
""")
        result, report = self.bench(["-s", path])
        self.assertEqual([s["name"] for s in report["stages"]], ["ramp", "spike"])
        self.assertEqual([s["load"] for s in report["stages"]], ["0/s -> 200/s", "400/s"])
        self.assertAlmostEqual(report["requests"], 600, delta=6, msg=result.stdout)
        # Completions are filed at their stage's boundary: a request in flight across it may
        # land in the next one, so the split is exact to a few requests.
        self.assertAlmostEqual(report["stages"][0]["requests"], 200, delta=5)
        self.assertAlmostEqual(report["stages"][1]["requests"], 400, delta=5)
        self.assertIn("Stages", result.stdout)

    def test_weighted_mix_sends_each_template_in_proportion(self):
        upstream = self.start_fake_upstream(name="mix")
        path = self.write_scenario(f"""
[target]
url = "http://127.0.0.1:{upstream.port}"

[load]
model = "closed"
connections = 2

[[requests]]
weight = 3
path = "/a"

[[requests]]
weight = 1
method = "POST"
path = "/b"
headers = {{ "x-tenant" = "test" }}
body = "payload"

[[stages]]
duration = "1s"
""")
        self.bench(["-s", path])
        requests = list(upstream.requests)
        self.assertGreater(len(requests), 100)
        posts = [r for r in requests if r.method == "POST"]
        share_b = len(posts) / len(requests)
        self.assertAlmostEqual(share_b, 0.25, delta=0.08)
        self.assertTrue(all(r.target == "/b" and r.body == b"payload" for r in posts))
        self.assertTrue(all(r.target == "/a" for r in requests if r.method == "GET"))

    def test_closed_model_users_grow_per_stage(self):
        # 1 user, then 4: connections open as users join, so the upstream sees exactly 4, and
        # with a 10 ms answer 4 users send about 4 times as much as 1.
        def slow_answer(request):
            time.sleep(0.01)  # the upstream's service time, the thing that makes users count
            return simple_response(b"ok")

        upstream = self.start_fake_upstream(name="users", respond=slow_answer)
        path = self.write_scenario(f"""
[target]
url = "http://127.0.0.1:{upstream.port}/"

[[stages]]
duration = "1s"
users = 1

[[stages]]
duration = "1s"
users = 4
""")
        result, report = self.bench(["-s", path])
        self.assertEqual(report["model"], "closed")
        self.assertEqual(report["connections"], 4)
        self.assertEqual([s["load"] for s in report["stages"]], ["1 users", "4 users"])
        self.assertEqual(upstream.connections_accepted, 4, result.stdout)
        one_user, four_users = (stage["requests"] for stage in report["stages"])
        self.assertGreater(four_users, 2.5 * one_user, result.stdout)
        self.assertEqual(report["errors"], 0, result.stdout)

    def test_scenario_errors_are_reported_as_file_line_col_and_exit_2(self):
        path = self.write_scenario("""[target]
url = "http://127.0.0.1:1/"

[[stages]]
duration = "2 s"
rate = 10
""")
        result = run_cli(["bench", "-s", path])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertRegex(result.stderr, re.escape(path) + r":5:12: stages\[0\]\.duration: ")
        result = run_cli(["bench", "-s", path, "--rate", "5"])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--rate cannot be combined with -s", result.stderr)


class SoakAndMetricsTest(BenchTestCase):
    def test_soak_intervals_and_drift(self):
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "100", "-d", "3s",
                                     "--interval", "1s"])
        intervals = report["intervals"]
        self.assertEqual(len(intervals), 3, intervals)
        self.assertEqual([i["start_seconds"] for i in intervals], [0, 1, 2])
        self.assertEqual(sum(i["requests"] for i in intervals), report["requests"])
        self.assertTrue(all(i["p99_seconds"] > 0 for i in intervals))
        self.assertEqual(report["drift"]["p99_first_seconds"], intervals[0]["p99_seconds"])
        self.assertIn("drift (first vs last interval)", result.stdout)

    def test_metrics_endpoint_serves_client_side_histogram_while_running(self):
        echo = self.start_echo(threads=1)
        bench = FaultlineProcess(["bench", f"http://127.0.0.1:{echo.port}/", "--rate", "200", "-d", "3s",
                                  "--metrics-listen", "127.0.0.1:0"], name="bench")
        self.addCleanup(bench.kill)
        port = int(bench.wait_for_line(r"bench metrics listening on 127\.0\.0\.1:(\d+)").group(1))
        deadline = time.monotonic() + 2.5
        count = 0
        while count == 0 and time.monotonic() < deadline:  # bounded: the run lasts 3 s
            samples, types = parse_prometheus_text(http_get(port, "/metrics").body.decode())
            count = sum_samples(samples, "faultline_bench_request_duration_seconds_count")
            if count == 0:
                time.sleep(0.1)
        self.assertGreater(count, 0)
        self.assertEqual(types["faultline_bench_request_duration_seconds"], "histogram")
        self.assertEqual(types["faultline_bench_errors_total"], "counter")
        self.assertGreater(sum_samples(samples, "faultline_bench_requests_total"), 0)
        self.assertEqual(http_get(port, "/").status, 404)
        self.assertEqual(bench.wait(timeout=15), 0, bench.output_tail())

    def test_metrics_listen_on_a_taken_port_fails_before_sending(self):
        echo = self.start_echo(threads=1)
        result, _ = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "10", "-d", "1s",
                                "--metrics-listen", f"127.0.0.1:{echo.port}"], expect_code=1)
        self.assertIn(f"--metrics-listen 127.0.0.1:{echo.port}: cannot listen on", result.stderr)
        self.assertNotIn("requests in", result.stdout)

    def test_ctrl_c_ends_the_run_early_with_a_report(self):
        echo = self.start_echo(threads=1)
        json_path = os.path.join(self.make_temp_dir(), "interrupted.json")
        bench = FaultlineProcess(["bench", f"http://127.0.0.1:{echo.port}/", "--rate", "100", "-d", "60s",
                                  "--json", json_path, "--metrics-listen", "127.0.0.1:0"], name="bench")
        self.addCleanup(bench.kill)
        bench.wait_for_line(r"bench metrics listening on")
        time.sleep(1.0)  # let it send for a while
        bench.send_signal(signal.SIGINT)
        self.assertEqual(bench.wait(timeout=15), 0, bench.output_tail())
        with open(json_path, encoding="utf-8") as handle:
            report = json.load(handle)
        self.assertLess(report["duration_seconds"], 10)
        self.assertGreater(report["requests"], 50)
        self.assertAlmostEqual(report["rps"], 100, delta=10)
        bench.wait_for_line(r"^Requests/sec:", stream_name="stdout", timeout=5)


if __name__ == "__main__":
    unittest.main()
