"""Faults the proxy must survive while `faultline bench` drives 500 requests/s through it.

- the upstream killed and restarted: errors only while it is down, none from 1 s after it
  is back;
- a config reload every 100 ms for 20 s (file rewrite, SIGHUP, admin API in turn): no
  request fails;
- SIGTERM mid-run: every request the proxy took in completes, none is cut;
- the access log on a full disk (/dev/full): proxying goes on, the failure is logged (not
  once per line) and counted in faultline_access_log_errors_total;
- the upstream frozen with SIGSTOP: timeouts (504) while it is frozen, none from 1 s after
  SIGCONT.

The timeline comes from the proxy's access log (when each request arrived, how long it
took, what status it got) and the client's side from the bench report.
"""

from __future__ import annotations

import json
import os
import signal
import time
import unittest
from datetime import datetime

from harness import (
    SANITIZER_REPORT,
    FaultlineProcess,
    FaultlineTestCase,
    ProxyServer,
    admin_json,
    render_config,
    route,
    scrape_metrics,
    sum_samples,
)
from test_admin_control import admin_call
from test_fault_actions import faults_toml

RATE = 500
RECOVERY_SECONDS = 1.0  # the promise: back to no errors within 1 s of the upstream's return
SLACK_SECONDS = 0.05  # clock reads of this process and the proxy's log lines differ by this


class LogEntry:
    """One access log line: when the request arrived and ended (epoch seconds), its status."""

    def __init__(self, line: dict):
        self.start = datetime.fromisoformat(line["time"].replace("Z", "+00:00")).timestamp()
        self.end = self.start + line["total_ms"] / 1000.0
        self.status = line["status"]
        self.error = line.get("error", "")

    def __repr__(self) -> str:
        return f"<{self.status} at {self.start:.3f}..{self.end:.3f} {self.error}>"


def read_access_log(path: str) -> list:
    with open(path, encoding="utf-8") as handle:
        return [LogEntry(json.loads(line)) for line in handle if line.strip()]


class LoadTestCase(FaultlineTestCase):
    def start_bench(self, port: int, seconds: float, path: str = "/", connections: int = 256,
                    timeout: str = "5s") -> tuple:
        """`faultline bench` at RATE in the background; returns (process, json path)."""
        json_path = os.path.join(self.make_temp_dir(), "bench.json")
        bench = FaultlineProcess(["bench", f"http://127.0.0.1:{port}{path}", "--rate", str(RATE),
                                  "--duration", f"{seconds}s", "--connections", str(connections),
                                  "--timeout", timeout, "--json", json_path], name="bench")
        self.addCleanup(bench.kill)
        return bench, json_path

    def finish_bench(self, bench: FaultlineProcess, json_path: str, seconds: float) -> dict:
        code = bench.wait(timeout=seconds + 60)
        self.assertIsNotNone(code, "bench did not finish\n" + bench.output_tail())
        reports = [line for line in bench.lines() if SANITIZER_REPORT.search(line)]
        self.assertFalse(reports, "bench reported sanitizer errors:\n" + bench.output_tail())
        self.assertEqual(code, 0, bench.output_tail())
        with open(json_path, encoding="utf-8") as handle:
            report = json.load(handle)
        self.assertAlmostEqual(report["requests"], RATE * seconds, delta=RATE * seconds * 0.02,
                               msg=bench.output_tail())
        return report

    def restart_echo_on(self, port: int) -> FaultlineProcess:
        """`faultline echo` on a port that was in use a moment ago (bind may briefly fail)."""
        deadline = time.monotonic() + 10
        while True:  # bounded by the deadline
            echo = FaultlineProcess(["echo", "--listen", f"127.0.0.1:{port}", "--threads", "1"],
                                    name="echo (restarted)")
            try:
                echo.wait_for_line(r"echo listening on 127\.0\.0\.1:\d+", timeout=5)
            except AssertionError:
                echo.kill()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self.addCleanup(self._check_stopped, echo, False)
            return echo

    def assert_only_5xx(self, report: dict) -> None:
        """The proxy answered every request: the client saw no socket error, timeout or
        request it could not send, only the proxy's own error statuses."""
        kinds = {kind: count for kind, count in report["errors_by_kind"].items() if count}
        self.assertEqual(set(kinds) - {"status_5xx"}, set(), report["errors_by_kind"])


class UpstreamOutageTest(LoadTestCase):
    def test_upstream_killed_and_restarted_errors_only_while_it_is_down(self):
        echo = self.start_echo(threads=1)
        log_path = os.path.join(self.make_temp_dir(), "access.log")
        proxy = self.start_proxy([route("api", echo.port)], server={"access_log": log_path})
        seconds = 8
        bench, json_path = self.start_bench(proxy.port, seconds)
        time.sleep(2.5)
        killed_at = time.time()
        echo.process.send_signal(signal.SIGKILL)
        echo.process.wait(timeout=5)
        time.sleep(2.0)  # down: every request in this time gets the proxy's 502
        restarted = self.restart_echo_on(echo.port)
        back_at = time.time()  # it printed "listening": it accepts connections now
        report = self.finish_bench(bench, json_path, seconds)

        self.assert_only_5xx(report)
        entries = read_access_log(log_path)
        failed = [e for e in entries if e.status != 200]
        self.assertGreater(len(failed), RATE * 1.0, "the upstream's outage was not noticed")
        self.assertEqual(report["errors_by_kind"]["status_5xx"], len(failed))
        self.assertEqual({e.status for e in failed}, {502}, failed[:5])
        # Errors only for requests in progress while the upstream was down...
        early = [e for e in failed if e.end < killed_at - SLACK_SECONDS]
        self.assertEqual(early, [], f"failed before the upstream was killed at {killed_at:.3f}")
        # ...and none that arrived later than 1 s after it was back.
        late = [e for e in failed if e.start > back_at + RECOVERY_SECONDS]
        last = max(e.start for e in failed)
        self.assertEqual(late[:5], [], f"upstream back at {back_at:.3f}; last failure "
                         f"{last - back_at:+.3f} s after; {len(late)} after {RECOVERY_SECONDS} s")
        served_after = [e for e in entries if e.start > back_at + RECOVERY_SECONDS]
        self.assertGreater(len(served_after), RATE, "too little traffic after the restart")
        restarted.send_signal(signal.SIGTERM)


class UpstreamFrozenTest(LoadTestCase):
    def test_frozen_upstream_times_out_then_recovers_within_1s_of_sigcont(self):
        echo = self.start_echo(threads=1)
        log_path = os.path.join(self.make_temp_dir(), "access.log")
        proxy = self.start_proxy(
            [route("api", echo.port, request_timeout="1s", connect_timeout="1s")],
            server={"access_log": log_path})
        seconds = 9
        # Up to 1 s of requests wait at once while it is frozen: room for all of them.
        bench, json_path = self.start_bench(proxy.port, seconds, connections=1000)
        time.sleep(2.5)
        stopped_at = time.time()
        os.kill(echo.process.pid, signal.SIGSTOP)
        try:
            time.sleep(3.0)  # frozen: the kernel still accepts, nobody answers
        finally:
            continued_at = time.time()
            os.kill(echo.process.pid, signal.SIGCONT)
        report = self.finish_bench(bench, json_path, seconds)

        self.assert_only_5xx(report)
        entries = read_access_log(log_path)
        failed = [e for e in entries if e.status != 200]
        self.assertGreater(len(failed), RATE * 1.0, "the frozen upstream was not noticed")
        self.assertEqual({e.status for e in failed}, {504}, failed[:5])
        self.assertEqual(report["errors_by_kind"]["status_5xx"], len(failed))
        early = [e for e in failed if e.end < stopped_at - SLACK_SECONDS]
        self.assertEqual(early[:5], [], f"failed before the upstream froze at {stopped_at:.3f}")
        late = [e for e in failed if e.start > continued_at + RECOVERY_SECONDS]
        last = max(e.start for e in failed)
        self.assertEqual(late[:5], [], f"SIGCONT at {continued_at:.3f}; last failure "
                         f"{last - continued_at:+.3f} s after; {len(late)} after {RECOVERY_SECONDS} s")
        metrics = scrape_metrics(proxy.admin_port)
        self.assertGreater(sum_samples(metrics, "faultline_upstream_errors_total", reason="timeout"), 0)


class ReloadUnderLoadTest(LoadTestCase):
    def config_text(self, echo_port: int, variant: int) -> str:
        # Two configs that differ in what a reload applies at once: timeouts, pool size and
        # the active profile (whose rules never touch this traffic).
        routes = [route("api", echo_port, request_timeout=("5s", "6s")[variant],
                        max_idle_connections=(64, 32)[variant])]
        rules = [{"name": '"never matches"', "match": '{ path_prefix = "/never" }',
                  "abort": "503"},
                 {"name": '"never fires"', "probability": "0.0", "delay": '"1s"'}]
        faults = faults_toml(rules, profile="calm", active=("none", "calm")[variant])
        return render_config(routes) + "\n" + faults

    def test_a_reload_every_100ms_for_20s_fails_no_request(self):
        echo = self.start_echo(threads=1)
        path = os.path.join(self.make_temp_dir(), "faultline.toml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.config_text(echo.port, 0))
        proxy = ProxyServer(path)
        self.addCleanup(self._check_stopped, proxy.process, True)
        seconds = 20
        bench, json_path = self.start_bench(proxy.port, seconds)
        attempts = {"file": 0, "SIGHUP": 0, "api": 0}
        deadline = time.monotonic() + seconds
        variant = 0
        while time.monotonic() < deadline:  # bounded by the deadline
            way = list(attempts)[sum(attempts.values()) % 3]
            if way == "file":
                variant = 1 - variant
                temporary = path + ".tmp"
                with open(temporary, "w", encoding="utf-8") as handle:
                    handle.write(self.config_text(echo.port, variant))
                os.rename(temporary, path)  # as editors and ConfigMaps do
            elif way == "SIGHUP":
                proxy.process.send_signal(signal.SIGHUP)
            else:
                status, body, _ = admin_call(proxy.admin_port, "POST", "/api/v1/reload")
                self.assertEqual(status, 200, body)
            attempts[way] += 1
            time.sleep(0.1)
        report = self.finish_bench(bench, json_path, seconds)

        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        metrics = scrape_metrics(proxy.admin_port)
        succeeded = sum_samples(metrics, "faultline_config_reloads_total", result="success")
        failed = sum_samples(metrics, "faultline_config_reloads_total", result="failure")
        self.assertEqual(failed, 0)
        # Every SIGHUP and API call reloads; the watcher may fold a burst of file events.
        self.assertGreaterEqual(succeeded, attempts["SIGHUP"] + attempts["api"], attempts)
        self.assertGreaterEqual(sum(attempts.values()), 150, "too few reloads were asked for")


class DrainUnderLoadTest(LoadTestCase):
    def test_sigterm_mid_run_completes_every_request_in_flight(self):
        echo = self.start_echo(threads=2)
        log_path = os.path.join(self.make_temp_dir(), "access.log")
        proxy = self.start_proxy([route("api", echo.port)],
                                 server={"access_log": log_path, "drain_timeout": "10s"})
        seconds = 5
        # Each request takes 300 ms at the upstream: ~150 are in flight at any moment.
        bench, json_path = self.start_bench(proxy.port, seconds, path="/delay/300", connections=400)
        time.sleep(2.0)
        proxy.process.send_signal(signal.SIGTERM)
        terminated_at = time.time()
        returncode = proxy.process.wait(timeout=15)
        report = self.finish_bench(bench, json_path, seconds)

        self.assertEqual(returncode, 0, proxy.process.output_tail())
        entries = read_access_log(log_path)
        in_flight = [e for e in entries if e.start < terminated_at < e.end]
        self.assertGreater(len(in_flight), 50, "no request was in flight at SIGTERM")
        cut = [e for e in entries if e.status != 200]
        self.assertEqual(cut[:5], [], f"{len(cut)} requests the proxy took were not answered 200")
        # Every request the proxy took, the client got its answer to; the others found the
        # listener closed (connect) or their kept-alive connection closed before they were
        # read (io): the proxy never saw them.
        answered = report["requests"] - report["errors"]
        self.assertEqual(answered, len(entries), report["errors_by_kind"])
        kinds = {kind for kind, count in report["errors_by_kind"].items() if count}
        self.assertLessEqual(kinds, {"connect", "io"}, report["errors_by_kind"])


class AccessLogOnAFullDiskTest(LoadTestCase):
    def test_full_disk_for_the_access_log_is_counted_and_proxying_goes_on(self):
        echo = self.start_echo(threads=1)
        # /dev/full: every write fails with ENOSPC, as on a full disk.
        proxy = self.start_proxy([route("api", echo.port)], server={"access_log": "/dev/full"})
        seconds = 4
        bench, json_path = self.start_bench(proxy.port, seconds)
        report = self.finish_bench(bench, json_path, seconds)

        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        # A request is counted just before its line is written: wait out the last few.
        deadline = time.monotonic() + 5
        while True:  # bounded by the deadline
            metrics = scrape_metrics(proxy.admin_port)
            requests = sum_samples(metrics, "faultline_requests_total")
            lost = sum_samples(metrics, "faultline_access_log_errors_total")
            if lost >= requests or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(requests, report["requests"])
        self.assertEqual(lost, requests, "every line that could not be written is counted")
        complaints = [line for line in proxy.process.lines() if "access log" in line]
        self.assertGreaterEqual(len(complaints), 1, "the failure was not logged")
        self.assertLessEqual(len(complaints), 10, "the failure is logged once per line:\n"
                             + "\n".join(complaints[:20]))


if __name__ == "__main__":
    unittest.main()
