"""deploy/k8s/bench/: a load test spread over the pods of an Indexed Job, rendered by
`kubectl kustomize`, and its documented procedure run for real on this machine.

Checked on the rendered YAML: an Indexed Job with completions = parallelism = the N of
every pod's `--shard $(JOB_COMPLETION_INDEX)/N`, no retries (a shard run twice would count
twice), the completion index and the start time reaching the arguments through env, the
scenario mounted where -s points, the usual pod hardening; every flag it passes exists in
the binary. Then the pods are imitated: N `faultline bench` processes with the Job's own
arguments (index and START_AT substituted as the kubelet would, the scenario's target moved
to a local echo server and its stages shortened), and their concatenated stdout (what
`kubectl logs -l job-name=...` prints) piped into the merge command written in
kustomization.yaml: the merged report holds every shard and every request of the schedule."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
import time
import unittest

from deploy_support import DEPLOY_DIR, parse_toml, run_cli
from test_kubernetes import one, render

BENCH_DIR = os.path.join(DEPLOY_DIR, "k8s", "bench")


def expand(arg: str, env: dict) -> str:
    """The kubelet's $(VAR) expansion of container args."""
    return re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg)


class BenchJobTest(unittest.TestCase):
    def setUp(self):
        self.docs = render(self, "bench")
        self.job = one(self.docs, "Job")
        self.pod = self.job["spec"]["template"]["spec"]
        self.assertEqual([c["name"] for c in self.pod["containers"]], ["bench"])
        self.container = self.pod["containers"][0]
        self.args = self.container["args"]
        self.configmaps = {d["metadata"]["name"]: d for d in self.docs if d["kind"] == "ConfigMap"}

    def shard_count(self) -> int:
        shard = self.args[self.args.index("--shard") + 1]
        match = re.fullmatch(r"\$\(JOB_COMPLETION_INDEX\)/(\d+)", shard)
        self.assertIsNotNone(match, shard)
        return int(match.group(1))

    def env_source(self, name: str) -> dict:
        entries = [e for e in self.container["env"] if e["name"] == name]
        self.assertEqual(len(entries), 1, f"env {name}")
        return entries[0]["valueFrom"]

    def scenario_text(self) -> str:
        path = self.args[self.args.index("-s") + 1]
        mounts = [m for m in self.container["volumeMounts"] if path.startswith(m["mountPath"].rstrip("/") + "/")]
        self.assertEqual(len(mounts), 1)
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        configmap = self.configmaps[volumes[mounts[0]["name"]]["configMap"]["name"]]
        return configmap["data"][os.path.relpath(path, mounts[0]["mountPath"])]

    def start_at_configmap(self) -> tuple:
        ref = self.env_source("START_AT")["configMapKeyRef"]
        return self.configmaps[ref["name"]], ref["key"]

    def test_indexed_job_runs_every_shard_at_once_and_never_retries(self):
        spec = self.job["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        self.assertEqual(spec["completions"], self.shard_count())
        self.assertEqual(spec["parallelism"], self.shard_count())
        self.assertEqual(spec["backoffLimit"], 0)
        self.assertEqual(self.pod["restartPolicy"], "Never")

    def test_index_and_start_time_reach_the_arguments(self):
        self.assertEqual(self.env_source("JOB_COMPLETION_INDEX")["fieldRef"]["fieldPath"],
                         "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        self.assertEqual(self.args[self.args.index("--start-at") + 1], "$(START_AT)")
        configmap, key = self.start_at_configmap()
        self.assertRegex(configmap["data"][key], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(self.args[self.args.index("--json") + 1], "-", "reports go to the pod's log")

    def test_scenario_targets_the_base_service_and_every_flag_exists(self):
        scenario = parse_toml(self.scenario_text())
        self.assertEqual(scenario["target"]["url"], "http://faultline/")
        self.assertNotIn("start_at", scenario["load"], "the start time comes from start.env")
        self.assertNotIn("thresholds", scenario, "judge the merged run, not each quarter of it")
        self.assertEqual(self.args[0], "bench")
        help_text = run_cli(["bench", "--help"]).stdout
        for flag in [a for a in self.args if a.startswith("-") and a != "-"]:
            self.assertRegex(help_text, rf"(^|[\s,]){re.escape(flag)}[\s,]", f"`faultline bench` has no {flag}")
        merge_help = run_cli(["bench", "merge", "--help"]).stdout
        for flag in [a for a in self.merge_command() if a.startswith("--")]:
            self.assertIn(flag, merge_help, f"`faultline bench merge` has no {flag}")

    def test_pods_are_hardened_and_bounded(self):
        security = self.pod["securityContext"]
        self.assertTrue(security["runAsNonRoot"])
        self.assertFalse(self.pod["automountServiceAccountToken"])
        c = self.container["securityContext"]
        self.assertTrue(c["readOnlyRootFilesystem"])
        self.assertFalse(c["allowPrivilegeEscalation"])
        self.assertEqual(c["capabilities"]["drop"], ["ALL"])
        for section in ("requests", "limits"):
            self.assertTrue({"cpu", "memory"} <= set(self.container["resources"][section]))
        threads = parse_toml(self.scenario_text())["load"]["threads"]
        self.assertLessEqual(threads, float(self.container["resources"]["limits"]["cpu"]))

    def merge_command(self) -> list:
        with open(os.path.join(BENCH_DIR, "kustomization.yaml"), encoding="utf-8") as handle:
            text = handle.read()
        logs = re.search(r"#\s+(kubectl logs .*?)\\\n#\s+\| faultline (bench merge .*)\n", text)
        self.assertIsNotNone(logs, "kustomization.yaml documents `kubectl logs ... | faultline bench merge`")
        self.assertIn("--tail=-1", logs.group(1), "kubectl logs -l prints only 10 lines per pod by default")
        return shlex.split(logs.group(2))

    def test_documented_procedure_merges_the_pods_logs_into_one_run(self):
        from harness import EchoServer, FaultlineProcess, binary_path

        echo = EchoServer(threads=2)
        self.addCleanup(echo.process.stop)
        directory = tempfile.TemporaryDirectory(prefix="faultline-k8s-bench-")
        self.addCleanup(directory.cleanup)
        # The scenario with its target on loopback and every stage 1 s long: the same rates.
        text = self.scenario_text().replace('url = "http://faultline/"', f'url = "http://127.0.0.1:{echo.port}/"')
        text, stages = re.subn(r'(?m)^duration = "[^"]+"', 'duration = "1s"', text)
        self.assertGreater(stages, 1)
        scenario_path = os.path.join(directory.name, "scenario.toml")
        with open(scenario_path, "w", encoding="utf-8") as handle:
            handle.write(text)
        rates = [s["rate"] for s in parse_toml(text)["stages"]]
        expected = rates[0] + sum((a + b) / 2 for a, b in zip(rates, rates[1:]))  # ramps between stages

        start_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
        s_path = self.args[self.args.index("-s") + 1]
        pods = []
        for index in range(self.shard_count()):
            env = {"JOB_COMPLETION_INDEX": str(index), "START_AT": start_at}
            args = [scenario_path if a == s_path else expand(a, env) for a in self.args]
            pods.append(FaultlineProcess(args, name=f"pod{index}"))
            self.addCleanup(pods[-1].kill)
        for pod in pods:
            self.assertEqual(pod.wait(timeout=60), 0, pod.output_tail())
        logs = "".join("\n".join(pod.lines("stdout")) + "\n" for pod in pods)

        command = self.merge_command()
        json_path = os.path.join(directory.name, command[command.index("--json") + 1])
        command[command.index("--json") + 1] = json_path
        merged = subprocess.run([binary_path(), *command], input=logs, capture_output=True, text=True, timeout=60)
        self.assertIn(merged.returncode, (0, 1), merged.stderr)  # 1: the threshold, on a busy machine
        self.assertIn(f"merged from {self.shard_count()} reports", merged.stdout)
        with open(json_path, encoding="utf-8") as handle:
            report = json.load(handle)
        self.assertEqual(report["merged"]["shards"], list(range(self.shard_count())))
        self.assertAlmostEqual(report["requests"], expected, delta=1)
        self.assertEqual([t["threshold"] for t in report["thresholds"]], ["p99<500ms"])
        self.assertEqual(report["passed"], merged.returncode == 0)


if __name__ == "__main__":
    unittest.main()
