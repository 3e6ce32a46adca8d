"""Chaos experiments: `faultline bench -s` switching a real faultline proxy's faults through
its admin API at stage starts, judging the steady-state hypothesis, and restoring the
proxy's fault state however the run ends (README, "Chaos experiments").

Each run is a few seconds at 100 requests/s. The proxy's "slow" profile adds a fixed
100 ms delay to every request; the hypothesis is p50 < 50 ms: the fault breaks it in every
window, while the stalls of a loaded test machine (which reach a few percent of the
requests, and hundreds of milliseconds) would break a p99 hypothesis but not the median.
"""

import json
import os
import signal
import subprocess
import time

from harness import (SANITIZER_REPORT, FaultlineProcess, FaultlineTestCase, ProxyServer,
                     admin_json, binary_path, render_config, route)
from test_admin_control import admin_call

TOKEN = "experiment-token"
TOKEN_ENV = "FAULTLINE_TEST_ADMIN_TOKEN"
DELAY_SECONDS = 0.1
P50_LIMIT_SECONDS = 0.05
STEP_SECONDS = 0.1  # the steady-state window moves by this much (README)

SLOW_PROFILE = """
[faults]
active_profile = "{active}"
seed = 7

[[faults.profiles.slow]]
name = "fixed delay"
delay = "100ms"
"""


class ExperimentTestCase(FaultlineTestCase):
    def start_proxy_with_slow_profile(self, active: str = "none") -> ProxyServer:
        echo = self.start_echo(threads=1)
        text = (render_config([route("api", echo.port)], admin={"token": TOKEN})
                + SLOW_PROFILE.format(active=active))
        proxy = ProxyServer(self.write_file("faultline.toml", text))
        self.addCleanup(self._check_stopped, proxy.process, True)
        return proxy

    def scenario(self, proxy: ProxyServer, stages: str, recovery_within: str = "2s") -> str:
        return self.write_file("experiment.toml", f"""
[target]
url = "http://127.0.0.1:{proxy.port}/"

[load]
interval = "1s"

[experiment]
admin = "http://127.0.0.1:{proxy.admin_port}"
token_env = "{TOKEN_ENV}"
steady_state = {{ p50 = "50ms", error_rate = 0.01 }}
recovery_within = "{recovery_within}"
{stages}
""")

    def run_bench(self, scenario_path: str, token: str | None = TOKEN, timeout: float = 60.0):
        """Runs the experiment to its end; returns (completed process, JSON report or None)."""
        json_path = os.path.join(self.make_temp_dir(), "report.json")
        env = dict(os.environ)
        env.pop(TOKEN_ENV, None)
        if token is not None:
            env[TOKEN_ENV] = token
        result = subprocess.run([binary_path(), "bench", "-s", scenario_path, "--json", json_path],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=timeout, env=env)
        reports = [line for line in result.stderr.splitlines() if SANITIZER_REPORT.search(line)]
        self.assertFalse(reports, "sanitizer errors:\n" + result.stderr[-4000:])
        report = None
        if os.path.exists(json_path):
            with open(json_path, encoding="utf-8") as handle:
                report = json.load(handle)
        return result, report

    def fault_state(self, proxy: ProxyServer) -> tuple:
        listing = admin_json(proxy.admin_port, "/api/v1/profiles")
        return listing["active"], listing["faults_enabled"]

    def proxied_requests(self, proxy: ProxyServer) -> int:
        return sum(r["requests"] for r in admin_json(proxy.admin_port, "/api/v1/stats")["routes"])


STAGE = """
[[stages]]
name = "{name}"
duration = "{duration}"
rate = 100
{switch}
"""


def stage(name: str, duration: str, switch: str = "") -> str:
    return STAGE.format(name=name, duration=duration, switch=switch)


class ExperimentVerdictTest(ExperimentTestCase):
    def test_fault_stage_breaks_the_steady_state_and_it_returns_within_a_step(self):
        proxy = self.start_proxy_with_slow_profile()
        path = self.scenario(proxy, stage("baseline", "3s", 'profile = "none"')
                             + stage("fault", "3s", 'profile = "slow"')
                             + stage("after", "4s", 'profile = "none"'))
        result, report = self.run_bench(path)
        details = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
        self.assertEqual(result.returncode, 0, details)
        experiment = report["experiment"]
        self.assertEqual(experiment["verdict"], "held", details)
        self.assertEqual([s["profile"] for s in report["stages"]], ["none", "slow", "none"])
        self.assertEqual([s["steady_state"] for s in report["stages"]], [True, False, True], details)
        self.assertGreaterEqual(report["stages"][1]["latency_seconds"]["p50"], DELAY_SECONDS)
        self.assertEqual(experiment["step_seconds"], STEP_SECONDS)
        self.assertEqual(experiment["window_seconds"], 1.0)

        # Each switch took effect at its stage's start (a busy machine may delay it a little).
        timeline = experiment["timeline"]
        self.assertEqual([(t["stage"], t["profile"]) for t in timeline],
                         [("baseline", "none"), ("fault", "slow"), ("after", "none")])
        for entry, start in zip(timeline, (0.0, 3.0, 6.0)):
            self.assertGreaterEqual(entry["at_seconds"], start)
            self.assertLess(entry["at_seconds"], start + 0.25, timeline)
        faults_ended = experiment["faults_ended_seconds"]
        self.assertEqual(faults_ended, timeline[2]["at_seconds"])

        # Requests sent after the switch are not delayed: the first window that starts after
        # it keeps the steady state, so the recovery is within one step of the window.
        recovery = experiment["recovery_seconds"]
        self.assertGreaterEqual(recovery, 0.0)
        self.assertLessEqual(recovery, STEP_SECONDS + 1e-6, details)

        # The per-second intervals of the same run agree: those of the fault break the steady
        # state, every one from the end of the fault keeps it, so the return lies within a
        # step of the fault stage's end (plus the time its switch took).
        returned_at = faults_ended + recovery
        intervals = {round(i["start_seconds"]): i["p50_seconds"] for i in report["intervals"]}
        self.assertEqual(sorted(intervals), list(range(10)), report["intervals"])
        for second in (3, 4, 5):
            self.assertGreaterEqual(intervals[second], DELAY_SECONDS, (second, intervals))
        for second in (6, 7, 8, 9):
            self.assertLess(intervals[second], P50_LIMIT_SECONDS, (second, intervals))
        self.assertGreaterEqual(returned_at, 6.0)
        self.assertLessEqual(returned_at - faults_ended, STEP_SECONDS + 1e-6)
        self.assertLess(returned_at, 6.0 + 0.25 + STEP_SECONDS)

        self.assertIn("Verdict: held", result.stdout)
        self.assertRegex(result.stdout, r"fault +slow .*deviated \(at 3\.\d\ds: p50 ")
        self.assertIn("restored http://127.0.0.1:", result.stderr)
        self.assertEqual(self.fault_state(proxy), ("none", True))

    def test_profile_left_on_by_the_proxy_config_never_recovers(self):
        # The proxy's own config keeps "slow" active: the baseline runs with the kill switch
        # on, the fault stage only turns it off, and nothing ever takes the profile away.
        proxy = self.start_proxy_with_slow_profile(active="slow")
        path = self.scenario(proxy, stage("baseline", "2s", 'faults = "off"')
                             + stage("fault", "2s", 'faults = "on"')
                             + stage("after", "2s"))
        result, report = self.run_bench(path)
        details = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
        self.assertEqual(result.returncode, 1, details)
        experiment = report["experiment"]
        self.assertEqual(experiment["verdict"], "did not recover", details)
        self.assertIsNone(experiment["recovery_seconds"])
        self.assertEqual([(s["profile"], s["faults_enabled"]) for s in report["stages"]],
                         [("slow", False), ("slow", True), ("slow", True)])
        self.assertEqual([s["steady_state"] for s in report["stages"]], [True, False, False], details)
        self.assertFalse(report["passed"])
        self.assertIn("Verdict: did not recover", result.stdout)
        self.assertEqual(self.fault_state(proxy), ("slow", True))


class ExperimentRestoreTest(ExperimentTestCase):
    def test_sigint_during_the_fault_restores_the_profile_and_kill_switch_found_before(self):
        proxy = self.start_proxy_with_slow_profile()
        status, _, _ = admin_call(proxy.admin_port, "POST", "/api/v1/faults/disable", token=TOKEN)
        self.assertEqual(status, 200)
        path = self.scenario(proxy, stage("baseline", "2s", 'faults = "on"')
                             + stage("fault", "30s", 'profile = "slow"'))
        bench = FaultlineProcess(["bench", "-s", path], extra_env={TOKEN_ENV: TOKEN}, name="bench")
        self.addCleanup(bench.kill)
        deadline = time.monotonic() + 15
        while self.fault_state(proxy) != ("slow", True):
            self.assertLess(time.monotonic(), deadline, "the fault stage never started\n"
                            + bench.output_tail())
            self.assertTrue(bench.running(), bench.output_tail())
            time.sleep(0.1)
        bench.send_signal(signal.SIGINT)
        returncode = bench.wait(15)
        self.assertIsNotNone(returncode, "bench did not end after SIGINT\n" + bench.output_tail())
        self.assertEqual(self.fault_state(proxy), ("none", False), bench.output_tail())
        bench.wait_for_line(r"restored http://127\.0\.0\.1:\d+ to profile none, faults off")
        # The report still comes: the run ended with faults on.
        self.assertTrue(bench.wait_for_lines(lambda line: line.startswith("Verdict: did not recover"),
                                             1, "stdout"), bench.output_tail())
        self.assertEqual(returncode, 1)

    def test_wrong_token_fails_before_any_load(self):
        proxy = self.start_proxy_with_slow_profile()
        path = self.scenario(proxy, stage("baseline", "2s", 'profile = "none"')
                             + stage("fault", "2s", 'profile = "slow"'))
        started = time.monotonic()
        result, report = self.run_bench(path, token="not-the-token")
        self.assertLess(time.monotonic() - started, 2.0, "it must fail before the first stage")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIsNone(report)
        self.assertRegex(result.stderr,
                         r"POST http://127\.0\.0\.1:\d+/api/v1/faults/enable: 401 Unauthorized")
        self.assertIn(f"check the token in ${TOKEN_ENV}", result.stderr)
        self.assertNotIn("requests in", result.stdout)
        self.assertEqual(self.proxied_requests(proxy), 0)
        self.assertEqual(self.fault_state(proxy), ("none", True))

        result, _ = self.run_bench(path, token=None)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"the environment variable {TOKEN_ENV} is not set", result.stderr)
        self.assertEqual(self.proxied_requests(proxy), 0)

    def test_unknown_profile_fails_before_any_load(self):
        proxy = self.start_proxy_with_slow_profile()
        path = self.scenario(proxy, stage("baseline", "2s") + stage("fault", "2s", 'profile = "slwo"'))
        result, _ = self.run_bench(path)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr, r"stage \"fault\" switches to profile 'slwo', which "
                                        r"http://127\.0\.0\.1:\d+ does not have; it has: .*slow")
        self.assertEqual(self.proxied_requests(proxy), 0)


if __name__ == "__main__":
    import unittest

    unittest.main()
