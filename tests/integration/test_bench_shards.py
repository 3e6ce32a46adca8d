"""`faultline bench --shard i/N` and `bench merge`: 4 generator processes taking a quarter
of a 4,000 requests/s run each (1,000 requests/s apiece), started at one time by the
scenario's `start_at`, merged from their mixed stdout as `kubectl logs` would print it,
against the same scenario run by one generator.

Counts: the shards interleave the one schedule (shard i sends requests i, i+4, ...), so the
merged run owes exactly the requests of the single one: 9,000 over 3 s, none unsent. A
request counts in the stage it finished in, and stages are closed when the coordinator
wakes after the boundary (tens of ms late on a loaded machine): stage counts agree to 10 %.

Percentiles: this machine has 2 cores shared with other work, and two identical single runs
already differ in their tails by tens of milliseconds (scheduler hiccups). The check is
therefore against the noise of two single runs A and B made around the sharded one: P50,
which sits on the upstream's fixed 20 ms delay, must be within |A - B| + 15 % of A; P90 and
P99 must be at most twice the larger of the two single runs' (plus 2 ms) and, as every
percentile, at least the 20 ms delay (a run without a hiccup may well beat both). That
catches shards that send more than their share or start apart (the backlog shows at once in
every percentile), while leaving room for hiccups."""

import json
import os
import re
import subprocess
import time

from harness import SANITIZER_SLOWDOWN, FaultlineProcess, run_cli
from test_bench import BenchTestCase

# 2,000 + 3,000 + 4,000 requests: a step, a linear ramp, and 4,000/s at the top (1,000/s
# for each shard); a quarter of that on a ThreadSanitizer build.
RATE = 4000 // SANITIZER_SLOWDOWN // 16 * 16  # the run's requests split evenly in 4 shards
STAGES = f"""
[[stages]]
name = "half"
duration = "1s"
rate = {RATE // 2}
[[stages]]
name = "ramp"
duration = "1s"
rate = {RATE}
[[stages]]
name = "full"
duration = "1s"
rate = {RATE}
"""
TOTAL = RATE * 9 // 4


def scenario(port: int, start_at: str | None = None) -> str:
    start = f'start_at = "{start_at}"\n' if start_at else ""
    return (f'[target]\nurl = "http://127.0.0.1:{port}/"\n[[requests]]\npath = "/delay/20"\n'
            f'[load]\nconnections = 400\ninterval = "1s"\n{start}' + STAGES)


class ShardedRunTest(BenchTestCase):
    def single_run(self, port: int) -> dict:
        path = self.write_file("single.toml", scenario(port))
        result, report = self.bench(["-s", path, "--threads", "2"])
        self.assertEqual(report["errors"], 0, result.stdout)
        return report

    def sharded_run(self, port: int) -> tuple:
        start_at = time.time() + 2.0  # time for 4 processes to start on a busy machine
        path = self.write_file("shard.toml", scenario(port, f"{start_at:.3f}"))
        shards = [FaultlineProcess(["bench", "-s", path, "--shard", f"{i}/4", "--threads", "1", "--json", "-"],
                                   name=f"shard{i}") for i in range(4)]
        for shard in shards:
            self.addCleanup(shard.kill)
        for shard in shards:
            self.assertEqual(shard.wait(timeout=60), 0, shard.output_tail())
        # What `kubectl logs -l job-name=...` prints: every pod's stdout, one after the other.
        logs = "\n".join("\n".join(shard.lines("stdout")) for shard in shards) + "\n"
        merged = subprocess.run([self.binary, "bench", "merge", "-", "--json", "-"], input=logs,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(merged.returncode, 0, merged.stderr)
        reports = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
        return json.loads(merged.stdout), reports, start_at, merged.stderr

    def setUp(self):
        from harness import binary_path
        self.binary = binary_path()

    def test_four_shards_merged_match_one_generator_at_the_full_rate(self):
        echo = self.start_echo(threads=2)
        single_a = self.single_run(echo.port)
        merged, shards, start_at, merge_text = self.sharded_run(echo.port)
        single_b = self.single_run(echo.port)

        # Each shard: its quarter, at one shared time 0.
        self.assertEqual(sorted(s["shard"]["index"] for s in shards), [0, 1, 2, 3])
        for s in shards:
            self.assertEqual(s["shard"]["count"], 4)
            self.assertAlmostEqual(s["start_unix_seconds"], start_at, places=3)
            self.assertEqual(s["requests"], TOTAL // 4, s["stages"])
            self.assertAlmostEqual(s["rps"], TOTAL / 4 / 3, delta=20)
            self.assertEqual(s["connections"], 100)

        # The merge: exactly the single run's requests, from 4 reports.
        self.assertEqual(merged["merged"], {"reports": 4, "shards": [0, 1, 2, 3], "shard_count": 4})
        self.assertIn("merged from 4 reports: shards 0, 1, 2, 3 of 4", merge_text)
        for single in (single_a, single_b):
            self.assertEqual(merged["requests"], single["requests"])
        self.assertEqual(merged["requests"], TOTAL)
        self.assertEqual(merged["errors"], 0)
        self.assertEqual(merged["errors_by_kind"]["unsent"], 0)
        self.assertEqual(merged["latency_seconds"]["count"], TOTAL)
        self.assertEqual(merged["connections"], 400)
        self.assertAlmostEqual(merged["rps"], single_a["rps"], delta=0.02 * single_a["rps"])
        self.assertEqual([s["name"] for s in merged["stages"]], ["half", "ramp", "full"])
        self.assertEqual(sum(s["requests"] for s in merged["stages"]), TOTAL)
        for merged_stage, single_stage in zip(merged["stages"], single_a["stages"]):
            self.assertAlmostEqual(merged_stage["requests"], single_stage["requests"],
                                   delta=0.1 * single_stage["requests"])
        self.assertEqual(len(merged["intervals"]), len(single_a["intervals"]))
        self.assertEqual(sum(i["requests"] for i in merged["intervals"]), TOTAL)

        # Percentiles, against the noise of the two single runs.
        m, a, b = (r["latency_seconds"] for r in (merged, single_a, single_b))
        summary = " ".join(f"{k}: merged {m[k]*1e3:.2f} / single {a[k]*1e3:.2f}, {b[k]*1e3:.2f} ms"
                           for k in ("p50", "p90", "p99"))
        self.assertLessEqual(abs(m["p50"] - a["p50"]), abs(a["p50"] - b["p50"]) + 0.15 * a["p50"], summary)
        self.assertGreaterEqual(m["p50"], 0.020, summary)  # the upstream's delay
        for key in ("p90", "p99"):
            # Below: no hiccup makes a request faster than the upstream's delay.
            self.assertGreaterEqual(m[key], 0.020, summary)
            self.assertLessEqual(m[key], max(a[key], b[key]) * 2 + 0.002, summary)

    def test_merge_refuses_a_shard_twice_and_says_which_shards_are_missing(self):
        echo = self.start_echo(threads=1)
        directory = self.make_temp_dir()
        paths = []
        for index in (0, 2):
            path = os.path.join(directory, f"shard{index}.json")
            result = run_cli(["bench", f"http://127.0.0.1:{echo.port}/", "--rate", "200", "--duration", "1s",
                              "--shard", f"{index}/4", "--json", path])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"shard {index}/4 of a larger run", result.stdout)
            paths.append(path)
        twice = run_cli(["bench", "merge", paths[0], paths[0]])
        self.assertEqual(twice.returncode, 2)
        self.assertIn("shard 0 is in more than one report", twice.stderr)
        partial = run_cli(["bench", "merge", *paths, "--threshold", "p99<1ms"])
        self.assertIn("2 of 4 shards are missing", partial.stderr)
        self.assertIn("Threshold p99<1ms", partial.stdout)
        self.assertRegex(partial.stdout, r"(?m)^  100 requests in")  # 50 + 50: quarters of 200/s
        self.assertIn(partial.returncode, (0, 1))
        stress = run_cli(["bench", f"http://127.0.0.1:{echo.port}/", "--stress", "10,20", "--shard", "0/2"])
        self.assertEqual(stress.returncode, 2)
        self.assertIn("stress", stress.stderr)
        late = run_cli(["bench", f"http://127.0.0.1:{echo.port}/", "--rate", "10", "--duration", "1s",
                        "--start-at", "2020-01-01T00:00:00Z"])
        self.assertEqual(late.returncode, 1)
        self.assertRegex(late.stderr, r"start time \(--start-at\) passed \d+")


if __name__ == "__main__":
    import unittest
    unittest.main()
