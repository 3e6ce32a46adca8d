"""`faultline bench` against `faultline echo`: pacing, coordinated omission, stress, exit codes
(README "Load generator"). Every run is short and bounded; the long soak lives in bench/."""

import json
import os
import re
import signal
import threading
import time
import unittest

from harness import SANITIZER_REPORT, FaultlineProcess, FaultlineTestCase, closed_port, run_cli


class BenchTestCase(FaultlineTestCase):
    def bench(self, args, timeout: float = 60.0, expect_code: int | None = 0):
        """Runs `faultline bench ARGS --json FILE`; returns (completed process, report dict or None)."""
        json_path = os.path.join(self.make_temp_dir(), "report.json")
        result = run_cli(["bench", *args, "--json", json_path], timeout=timeout)
        reports = [line for line in result.stderr.splitlines() if SANITIZER_REPORT.search(line)]
        self.assertFalse(reports, "sanitizer errors:\n" + result.stderr[-4000:])
        if expect_code is not None:
            self.assertEqual(result.returncode, expect_code,
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}")
        report = None
        if os.path.exists(json_path):
            with open(json_path, encoding="utf-8") as handle:
                report = json.load(handle)
        return result, report


class PacingAndCoordinatedOmissionTest(BenchTestCase):
    def test_rate_400_for_5s_sends_2000_requests(self):
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "400", "--duration", "5s"])
        self.assertAlmostEqual(report["requests"], 2000, delta=20, msg=result.stdout)
        self.assertEqual(report["errors"], 0, result.stdout)
        self.assertAlmostEqual(report["rps"], 400, delta=4)
        self.assertEqual(report["stages"][0]["requests"], report["requests"])
        self.assertIn("Latency Distribution", result.stdout)
        self.assertRegex(result.stdout, r"(?m)^\s+99\.900%\s+\S+")

    def test_stalled_upstream_shows_in_the_tail(self):
        # SIGSTOP the upstream for 1 s in the middle of a 200/s run. Measured from the intended
        # send time, the requests due during the stall wait up to 1 s: P99 must show it (wrk2's
        # correction). A generator that measured from the actual send would report ~1 ms.
        echo = self.start_echo(threads=1)
        json_path = os.path.join(self.make_temp_dir(), "co.json")
        bench = FaultlineProcess(["bench", f"http://127.0.0.1:{echo.port}/", "--rate", "200",
                                  "--duration", "4s", "--json", json_path], name="bench")
        self.addCleanup(bench.kill)
        time.sleep(1.5)  # into the run: the stall must happen while it is sending
        os.kill(echo.process.pid, signal.SIGSTOP)
        try:
            time.sleep(1.0)  # the stall itself is the thing under test
        finally:
            os.kill(echo.process.pid, signal.SIGCONT)
        self.assertEqual(bench.wait(timeout=30), 0, bench.output_tail())
        with open(json_path, encoding="utf-8") as handle:
            report = json.load(handle)
        self.assertGreaterEqual(report["latency_seconds"]["p99"], 0.5, report)
        self.assertLess(report["latency_seconds"]["p50"], 0.5, report)
        self.assertEqual(report["errors"], 0, report)
        self.assertAlmostEqual(report["requests"], 800, delta=8)


class StressTest(BenchTestCase):
    def test_steps_break_at_160_after_80_on_a_100_rps_upstream(self):
        # 10 connections to /delay/100 serve at most 100 requests/s.
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/delay/100", "--connections", "10",
                                     "--stress", "20,40,80,160,320", "--step-duration", "2s",
                                     "--break-p95", "500ms"])
        stress = report["stress"]
        self.assertEqual(stress["last_good"]["rate"], 80, result.stdout)
        self.assertEqual(stress["broke_at"]["rate"], 160, result.stdout)
        self.assertIn("p95", stress["broke_at"]["reason"])
        self.assertEqual([s["name"] for s in report["stages"]], ["20/s", "40/s", "80/s", "160/s"])
        self.assertIn("Stress: last good step 80/s", result.stdout)
        self.assertIn("Stress: broke at 160/s", result.stdout)


class ExitCodeTest(BenchTestCase):
    def test_broken_threshold_exits_1_and_kept_threshold_exits_0(self):
        echo = self.start_echo(threads=1)
        url = f"http://127.0.0.1:{echo.port}/"
        result, report = self.bench([url, "-c", "2", "-d", "1s", "--threshold", "p99<1us"], expect_code=1)
        self.assertFalse(report["thresholds"][0]["passed"])
        self.assertIn("Threshold p99<1us", result.stdout)
        # Repeatable flags before the URL take one value each, not the URL.
        result, report = self.bench(["--threshold", "p99<10s", "--threshold", "error_rate<0.01",
                                     "-H", "X-Tenant: test", url, "-c", "2", "-d", "1s"])
        self.assertTrue(report["passed"])

    def test_server_errors_count_by_kind_and_break_the_error_rate_threshold(self):
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/status/503", "--rate", "100", "-d", "1s",
                                     "--threshold", "error_rate<0.1"], expect_code=1)
        self.assertEqual(report["errors_by_kind"]["status_5xx"], report["requests"])
        self.assertAlmostEqual(report["requests"], 100, delta=1)
        _, report = self.bench([f"http://127.0.0.1:{echo.port}/status/404", "-c", "1", "-d", "500ms"])
        self.assertEqual(report["errors"], 0)  # 4xx are counted, not errors
        self.assertGreater(report["status_4xx"], 0)

    def test_refused_connections_are_connect_errors_and_exit_1(self):
        result, report = self.bench([f"http://127.0.0.1:{closed_port()}/", "--rate", "50", "-d", "1s"],
                                    expect_code=1)
        self.assertEqual(report["errors_by_kind"]["connect"], report["requests"])
        self.assertAlmostEqual(report["requests"], 50, delta=1)
        self.assertIn("no request got a response", result.stderr)

    def test_answers_slower_than_the_timeout_are_timeout_errors(self):
        echo = self.start_echo(threads=1)
        started = time.monotonic()
        _, report = self.bench([f"http://127.0.0.1:{echo.port}/delay/5000", "--rate", "10", "-d", "1s",
                                "--timeout", "300ms"], expect_code=1)
        self.assertEqual(report["errors_by_kind"]["timeout"], 10, report)
        self.assertEqual(report["requests"], 10)
        # Each request gave up after ~300 ms instead of waiting the 5 s answer.
        self.assertLess(time.monotonic() - started, 4.5)

    def test_baseline_gate(self):
        echo = self.start_echo(threads=1)
        url = f"http://127.0.0.1:{echo.port}/"
        tmp = self.make_temp_dir()
        fast = os.path.join(tmp, "fast.json")  # a baseline nothing can match: 1 µs, 10^9 req/s
        with open(fast, "w", encoding="utf-8") as handle:
            json.dump({"rps": 1e9, "latency_seconds": {"p50": 1e-6, "p95": 1e-6, "p99": 1e-6}}, handle)
        slow = os.path.join(tmp, "slow.json")  # a baseline anything beats: 10 s, 1 req/s
        with open(slow, "w", encoding="utf-8") as handle:
            json.dump({"rps": 1, "latency_seconds": {"p50": 10, "p95": 10, "p99": 10}}, handle)
        result, report = self.bench([url, "-c", "2", "-d", "1s", "--baseline", fast, "--max-regression", "10%"],
                                    expect_code=1)
        self.assertFalse(report["baseline"]["checks"][1]["passed"])
        self.assertIn("Baseline p95", result.stdout)
        self.bench([url, "-c", "2", "-d", "1s", "--baseline", slow, "--max-regression", "10%"])

    def test_localhost_reaches_a_server_listening_on_127_0_0_1_only(self):
        # "localhost" may resolve to ::1 first; the generator must find the address that answers.
        echo = self.start_echo(threads=1)
        _, report = self.bench([f"http://localhost:{echo.port}/", "-c", "1", "-d", "500ms"])
        self.assertEqual(report["errors"], 0)
        self.assertGreater(report["requests"], 0)

    def test_usage_errors_exit_2(self):
        for args in (["bench"], ["bench", "ftp://x/"], ["bench", "http://127.0.0.1:1/", "--rate", "-5"],
                     ["bench", "http://127.0.0.1:1/", "--threshold", "p95>1s"],
                     ["bench", "http://127.0.0.1:1/", "--duration", "soon"],
                     ["bench", "http://127.0.0.1:1/", "--no-such-flag"]):
            with self.subTest(args=args):
                result = run_cli(args)
                self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")
                self.assertTrue(result.stderr.strip())


if __name__ == "__main__":
    unittest.main()
