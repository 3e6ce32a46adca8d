"""`faultline bench --monitor URL` and `--monitor-pid PID`: the target's CPU, memory and open
fds beside its latency, here with a real `faultline proxy` as the target, checked against
what the test reads itself from /proc/PID of the proxy and from its admin /metrics."""

import os
import re

from harness import SANITIZER_SLOWDOWN, closed_port, rss_bytes, route, run_cli, scrape_metrics, select_samples
from test_bench import BenchTestCase

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


class MonitorTest(BenchTestCase):
    def start_target(self):
        echo = self.start_echo(threads=1)
        return self.start_proxy([route("all", echo.port)])

    def check_series(self, report: dict, proxy, cpu_before: float, cpu_after: float) -> None:
        monitor = report["monitor"]
        samples = monitor["samples"]
        self.assertEqual(monitor["failed_samples"], 0, monitor)
        # Time 0, the end of each of the 3 one-second intervals (also the stage's end).
        self.assertEqual(len(samples), 4, samples)
        self.assertAlmostEqual(samples[0]["at_seconds"], 0, delta=0.05 * SANITIZER_SLOWDOWN)
        self.assertAlmostEqual(samples[-1]["at_seconds"], 3, delta=0.3)
        # The proxy's CPU time as faultline sampled it lies inside what the test saw around the run.
        used = samples[-1]["cpu_seconds"] - samples[0]["cpu_seconds"]
        self.assertGreater(used, 0)
        self.assertLessEqual(used, cpu_after - cpu_before + 2 / TICKS)
        self.assertGreaterEqual(samples[0]["cpu_seconds"], cpu_before - 1 / TICKS)
        rss = rss_bytes(proxy.pid)
        self.assertAlmostEqual(samples[-1]["resident_bytes"], rss, delta=0.3 * rss)
        fds = len(os.listdir(f"/proc/{proxy.pid}/fd"))
        self.assertGreater(samples[-1]["open_fds"], 3)
        # At the last sample the run's 64 client connections may all still be open.
        self.assertLessEqual(samples[-1]["open_fds"], fds + 64)
        # CPU time counts in clock ticks (10 ms): at 400 req/s the proxy can use less than a
        # tick in one second, so a single interval may read 0; the whole run may not (above).
        for interval in report["intervals"]:
            figures = interval["monitor"]
            self.assertGreaterEqual(figures["cpu_percent"], 0, interval)
            self.assertLess(figures["cpu_percent"], 100 * os.cpu_count() + 10)
            self.assertGreater(figures["resident_bytes"], 1 << 20)
        stage = report["stages"][0]["monitor"]
        self.assertAlmostEqual(stage["cpu_percent"], 100 * used / (samples[-1]["at_seconds"] - samples[0]["at_seconds"]),
                               delta=0.01)
        self.assertEqual(report["drift"]["rss_last_bytes"], samples[-1]["resident_bytes"])

    def test_monitor_scrapes_the_proxys_own_admin_metrics(self):
        proxy = self.start_target()
        url = f"http://127.0.0.1:{proxy.admin_port}/metrics"
        before = cpu_seconds(proxy.pid)
        result, report = self.bench([f"http://127.0.0.1:{proxy.port}/", "--rate", "400", "--duration", "3s",
                                     "--interval", "1s", "--monitor", url])
        after = cpu_seconds(proxy.pid)
        self.assertEqual(report["monitor"]["source"], url)
        self.check_series(report, proxy, before, after)
        # The same figures the proxy exports itself.
        exported = select_samples(scrape_metrics(proxy.admin_port), "process_resident_memory_bytes")[0].value
        self.assertAlmostEqual(report["monitor"]["samples"][-1]["resident_bytes"], exported, delta=0.3 * exported)
        self.assertIn(f"Target {url}: 4 samples, 0 failed", result.stdout)
        self.assertRegex(result.stdout, r"(?m)^  stage 1\s+\d+\.\d%\s+\d+\.\dMiB\s+\d+$")
        self.assertRegex(result.stdout, r"drift \(first vs last interval\): .*, target rss \d+\.\dMiB -> \d+\.\dMiB \([+-]\d+%\)")

    def test_monitor_pid_reads_the_proxys_proc_entry(self):
        proxy = self.start_target()
        before = cpu_seconds(proxy.pid)
        result, report = self.bench([f"http://127.0.0.1:{proxy.port}/", "--rate", "400", "--duration", "3s",
                                     "--interval", "1s", "--monitor-pid", str(proxy.pid)])
        after = cpu_seconds(proxy.pid)
        self.assertEqual(report["monitor"]["source"], f"pid {proxy.pid}")
        self.check_series(report, proxy, before, after)
        self.assertIn(f"Target pid {proxy.pid}: 4 samples, 0 failed", result.stdout)

    def test_failed_scrapes_are_counted_and_the_run_goes_on(self):
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "100", "--duration", "1s",
                                     "--monitor", f"http://127.0.0.1:{closed_port()}/metrics"])
        self.assertEqual(report["requests"], 100)
        self.assertEqual(report["monitor"]["failed_samples"], len(report["monitor"]["samples"]))
        self.assertRegex(result.stdout, r"Target http://\S+: 2 samples, 2 failed \(last: [^)]*[Cc]onnection refused\)")
        # The echo server has no process_* metrics.
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "--rate", "100", "--duration", "1s",
                                     "--monitor", f"http://127.0.0.1:{echo.port}/metrics"])
        self.assertEqual(report["monitor"]["failed_samples"], 2)
        self.assertIn("no process_cpu_seconds_total", report["monitor"]["last_error"])

    def test_usage_errors(self):
        both = run_cli(["bench", "http://127.0.0.1:1/", "--monitor", "http://127.0.0.1:1/m", "--monitor-pid", "1"])
        self.assertEqual(both.returncode, 2)
        self.assertIn("not both", both.stderr)
        gone = run_cli(["bench", "http://127.0.0.1:1/", "--monitor-pid", "999999999"])
        self.assertEqual(gone.returncode, 2)
        self.assertRegex(gone.stderr, r"--monitor-pid: cannot read /proc/999999999/stat")
        bad = run_cli(["bench", "http://127.0.0.1:1/", "--monitor", "ftp://x/"])
        self.assertEqual(bad.returncode, 2)


if __name__ == "__main__":
    import unittest
    unittest.main()
