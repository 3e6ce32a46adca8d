"""The deploy/ files proven against a real Prometheus scraping a real faultline.

- promtool: `check config` and `check rules` on deploy/prometheus/, `test rules` on its unit
  tests, and `check metrics` on a live /metrics scrape.
- End to end: a Prometheus server (Debian package `prometheus`) on a loopback ephemeral port
  with temporary storage scrapes a faultline proxy every second and evaluates the repo's
  rules.yml every second, while traffic runs through the proxy (ok, /delay/20, upstream 503,
  upstream refused, a fault-injected path). Then every query of the Grafana dashboard (with
  its template variables substituted) and every rule of rules.yml goes through Prometheus's
  HTTP API: each must succeed, and the latency queries must return finite data.

Skipped (with the reason) only when the prometheus / promtool binaries are absent.
Every process is stopped by PID; every wait has a deadline."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import unittest
import urllib.parse

from harness import (
    SOURCE_DIR,
    FaultlineTestCase,
    HttpConnection,
    ProxyServer,
    admin_get,
    closed_port,
    http_get,
    render_config,
    route,
    scrape_metrics,
    select_samples,
)

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
PROM_DIR = os.path.join(SOURCE_DIR, "deploy", "prometheus")
PROMETHEUS_YML = os.path.join(PROM_DIR, "prometheus.yml")
RULES_YML = os.path.join(PROM_DIR, "rules.yml")
RULES_TEST_YML = os.path.join(PROM_DIR, "rules_test.yml")
GRAFANA_DIR = os.path.join(SOURCE_DIR, "deploy", "grafana")
DASHBOARD_JSON = os.path.join(GRAFANA_DIR, "faultline.json")

PROMETHEUS_READY_TIMEOUT = 60.0
TRAFFIC_SECONDS = 10.0
NO_PROMTOOL = "promtool not installed (Debian: apt-get install prometheus)"
NO_PROMETHEUS = "prometheus server not installed (Debian: apt-get install prometheus)"

# What the dashboard's template variables become in the queries. $__rate_interval is what
# Grafana computes for a 1 s scrape interval at high resolution (4 × scrape interval, here
# rounded up to 15 s so that rate() always has several samples).
GRAFANA_BUILTINS = {
    "__rate_interval": "15s",
    "__interval": "5s",
    "__interval_ms": "5000",
    "__range": "5m",
    "__range_s": "300",
    "__range_ms": "300000",
}


def promtool(*args, stdin: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def substitute(expr: str, variables: dict) -> str:
    """Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]]."""
    def lookup(match):
        name = match.group(1) or match.group(2) or match.group(3) or match.group(4)
        if name not in variables:
            raise KeyError(f"unknown dashboard variable ${name} in {expr!r}")
        return variables[name]
    return re.sub(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]|\$(__\w+)|\$(\w+)", lookup, expr)


def dashboard_queries(dashboard: dict) -> list:
    """(where, expr) of every Prometheus query in the dashboard: panel targets (rows'
    nested panels included), annotations, and the query variables (label_values(M, L)
    becomes the equivalent `group by (L) (M)`)."""
    queries = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    queries.append((f"panel {panel.get('title')!r} target {target.get('refId')}", target["expr"]))
            walk(panel.get("panels", []))

    walk(dashboard.get("panels", []))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            queries.append((f"annotation {annotation.get('name')!r}", annotation["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        match = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", text or "")
        if not match:
            raise AssertionError(f"variable {variable.get('name')}: unsupported query {text!r}")
        queries.append((f"variable ${variable['name']}", f"group by ({match.group(2)}) ({match.group(1)})"))
    return queries


def is_latency_query(expr: str) -> bool:
    return ("histogram_quantile" in expr or "faultline_upstream_latency_seconds" in expr
            or re.search(r"duration_seconds:(histogram_quantile|mean)", expr) is not None)


def finite_values(result: list) -> list:
    values = []
    for series in result:
        points = [series["value"]] if "value" in series else series.get("values", [])
        for _, text in points:
            value = float(text)
            if math.isfinite(value):
                values.append(value)
    return values


class PrometheusServer:
    """`prometheus` on an ephemeral loopback port with temporary storage; stopped by PID."""

    def __init__(self, workdir: str, scrape_target: str, rules_file: str):
        self.workdir = workdir
        self.config_path = os.path.join(workdir, "prometheus.yml")
        with open(self.config_path, "w", encoding="utf-8") as handle:
            handle.write(
                "global:\n"
                "  scrape_interval: 1s\n"
                "  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                f"rule_files:\n  - {json.dumps(rules_file)}\n"
                "scrape_configs:\n"
                "  - job_name: faultline\n"  # the job name the alerts of rules.yml select
                "    static_configs:\n"
                f"      - targets: [{json.dumps(scrape_target)}]\n"
            )
        self.proc = None
        self.log_path = os.path.join(workdir, "prometheus.log")
        last_error = None
        for _ in range(3):  # the ephemeral port may be taken between probe and bind
            self.port = closed_port()
            try:
                self._start()
                return
            except RuntimeError as error:
                last_error = error
                self.stop()
        raise last_error

    def _start(self) -> None:
        storage = os.path.join(self.workdir, f"data-{self.port}")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [PROMETHEUS,
             f"--config.file={self.config_path}",
             f"--storage.tsdb.path={storage}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             "--storage.tsdb.retention.time=1h",
             "--log.level=info"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + PROMETHEUS_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                if http_get(self.port, "/-/ready", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"prometheus not ready within {PROMETHEUS_READY_TIMEOUT:.0f} s\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return "--- prometheus log tail ---\n" + "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # this PID only
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def api(self, path: str, **params) -> dict:
        target = f"/api/v1/{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
        response = http_get(self.port, target, timeout=30)
        try:
            body = json.loads(response.body.decode("utf-8"))
        except ValueError:
            raise AssertionError(f"GET {target}: {response.status} {response.body[:500]!r}")
        return body

    def query(self, expr: str) -> dict:
        return self.api("query", query=expr)

    def wait_for(self, expr: str, predicate, timeout: float, what: str) -> list:
        """Polls an instant query until predicate(result) holds; returns the result."""
        deadline = time.monotonic() + timeout
        result = None
        while time.monotonic() < deadline:
            body = self.query(expr)
            if body.get("status") == "success":
                result = body["data"]["result"]
                if predicate(result):
                    return result
            time.sleep(0.5)
        raise AssertionError(f"{what}: {expr!r} gave {result!r} after {timeout:.0f} s\n{self.log_tail()}")


class TrafficDriver:
    """Background clients sending a fixed mix through the proxy until stopped."""

    MIX = [
        ("GET", "/"),
        ("GET", "/delay/20"),
        ("GET", "/status/503"),
        ("GET", "/down/refused"),      # route "down": upstream refuses → 502
        ("GET", "/injected/x"),        # matched by the e2e fault profile
        ("GET", "/bytes/2048"),
        ("POST", "/upload"),
    ]

    def __init__(self, port: int, clients: int = 2, pause: float = 0.01, mix=None):
        self.port = port
        self.mix = mix or self.MIX
        self.pause = pause
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.statuses = {}
        self.failures = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]
        for thread in self.threads:
            thread.start()

    def _run(self, offset: int) -> None:
        index = offset
        while not self.stop_event.is_set():
            method, target = self.mix[index % len(self.mix)]
            index += 1
            try:
                if method == "POST":
                    conn = HttpConnection(self.port, timeout=10)
                    try:
                        response = conn.request("POST", target, body=b"x" * 512)
                    finally:
                        conn.close()
                else:
                    response = http_get(self.port, target, timeout=10)
                with self.lock:
                    self.statuses[(target, response.status)] = self.statuses.get((target, response.status), 0) + 1
            except Exception as error:  # noqa: BLE001 - reported by the test
                with self.lock:
                    self.failures.append(f"{method} {target}: {error!r}")
            self.stop_event.wait(self.pause)

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=15)


# A TCP proxy in front of the echo upstream (HTTP through it is just bytes), so the TCP row
# of the dashboard has data.
def tcp_proxy(upstream_port: int) -> str:
    return f"""
[[tcp]]
name = "db"
listen = "127.0.0.1:0"
upstream = "127.0.0.1:{upstream_port}"
"""


FAULT_PROFILE = """
[faults]
active_profile = "e2e"

[[faults.profiles.e2e]]
name = "injected delay"
match = { path_prefix = "/injected" }
delay = "5ms"

[[faults.profiles.e2e]]
name = "tcp latency"
match = { tcp = "db" }
delay = "1ms"
"""


class PromtoolTest(unittest.TestCase):
    def setUp(self):
        if PROMTOOL is None:
            self.skipTest(NO_PROMTOOL)

    def test_check_config(self):
        result = promtool("check", "config", PROMETHEUS_YML)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("SUCCESS", result.stdout + result.stderr)

    def test_check_rules(self):
        result = promtool("check", "rules", RULES_YML)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout + result.stderr, r"SUCCESS: \d+ rules found")

    def test_rules_unit_tests(self):
        # Pins down what the error ratio counts, the quantile rules and the alerts' timing.
        result = promtool("test", "rules", RULES_TEST_YML)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


class DashboardFileTest(unittest.TestCase):
    def test_dashboard_structure(self):
        with open(DASHBOARD_JSON, encoding="utf-8") as handle:
            dashboard = json.load(handle)
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        route_query = variables["route"]["query"]
        route_query = route_query["query"] if isinstance(route_query, dict) else route_query
        self.assertRegex(route_query, r"^label_values\(faultline_requests_total(\{.*\})?, route\)$")
        self.assertTrue(dashboard.get("uid"))

        panels, occupied = [], {}
        def walk(items):
            for panel in items:
                panels.append(panel)
                walk(panel.get("panels", []))
        walk(dashboard["panels"])
        ids = [p["id"] for p in panels]
        self.assertEqual(len(ids), len(set(ids)), "panel ids must be unique")
        for panel in panels:
            with self.subTest(panel=panel.get("title")):
                grid = panel["gridPos"]
                self.assertLessEqual(grid["x"] + grid["w"], 24)
                for dx in range(grid["w"]):  # no two panels on the same grid cell
                    for dy in range(grid["h"]):
                        cell = (grid["x"] + dx, grid["y"] + dy)
                        self.assertNotIn(cell, occupied, f"overlaps {occupied.get(cell)!r}")
                        occupied[cell] = panel.get("title")
                if panel["type"] == "row":
                    continue
                self.assertEqual(panel["datasource"]["uid"], "${datasource}")
                self.assertTrue(panel.get("targets"), "a panel without a query")
                for target in panel["targets"]:
                    self.assertEqual(target["datasource"]["uid"], "${datasource}")

        titles = " | ".join(p.get("title", "") for p in panels).lower()
        for wanted in ("requests/s by route and outcome", "error ratio", "upstream latency p50",
                       "client-side latency p50", "heatmap", "summary", "injected faults",
                       "active profile", "in-flight", "connections", "network", "cpu",
                       "resident memory", "config reloads", "tcp connections/s", "tcp active connections",
                       "tcp throughput", "tcp upstream connect time", "tcp faults injected"):
            self.assertIn(wanted, titles)
        self.assertTrue(any(p["type"] == "heatmap" for p in panels))
        exprs = " ".join(expr for _, expr in dashboard_queries(dashboard))
        for quantile in ("0.5", "0.95", "0.99", "0.999"):
            self.assertIn(f"histogram_quantile({quantile}, sum by (le, route) (rate(faultline_upstream_duration_seconds_bucket", exprs)
            self.assertIn(f"histogram_quantile({quantile}, sum by (le, route) (rate(faultline_request_duration_seconds_bucket", exprs)
        self.assertIn("[$__rate_interval]", exprs)
        for family in ("faultline_tcp_connections_total", "faultline_tcp_active_connections",
                       "faultline_tcp_bytes_total", "faultline_tcp_connect_duration_seconds_bucket",
                       "faultline_tcp_faults_injected_total"):
            self.assertIn(f'{family}{{instance=~"$instance",proxy=~"$tcp_proxy"}}', exprs)

    def test_provisioning_files(self):
        with open(os.path.join(GRAFANA_DIR, "provisioning", "datasources", "prometheus.yml"), encoding="utf-8") as handle:
            datasources = handle.read()
        self.assertRegex(datasources, r"(?m)^apiVersion: 1$")
        self.assertRegex(datasources, r"(?m)^\s+type: prometheus$")
        with open(os.path.join(GRAFANA_DIR, "provisioning", "dashboards", "faultline.yml"), encoding="utf-8") as handle:
            dashboards = handle.read()
        self.assertRegex(dashboards, r"(?m)^apiVersion: 1$")
        self.assertRegex(dashboards, r"(?m)^\s+type: file$")
        self.assertRegex(dashboards, r"(?m)^\s+path: /\S+$")
        self.assertIn("faultline.json", dashboards)


class LiveExpositionTest(FaultlineTestCase):
    def test_promtool_check_metrics_on_live_scrape(self):
        if PROMTOOL is None:
            self.skipTest(NO_PROMTOOL)
        echo = self.start_echo()
        proxy = self.start_proxy([route("api", echo.port, "/"), route("down", closed_port(), "/down")])
        for target in ("/", "/delay/5", "/status/503", "/down/x", "/bytes/100"):
            http_get(proxy.port, target, timeout=15)
        response = admin_get(proxy.admin_port, "/metrics")
        self.assertEqual(response.status, 200, response)
        self.assertRegex(response.header("Content-Type") or "", r"^text/plain; ?version=0\.0\.4")
        text = response.body.decode("utf-8")
        result = promtool("check", "metrics", stdin=text)
        self.assertEqual(result.returncode, 0,
                         f"promtool check metrics:\n{result.stdout}{result.stderr}\n--- exposition ---\n{text[:6000]}")
        for family in ("faultline_requests_total", "faultline_request_duration_seconds",
                       "faultline_upstream_duration_seconds", "faultline_upstream_latency_seconds",
                       "faultline_upstream_errors_total", "faultline_inflight_requests",
                       "faultline_connections", "faultline_config_reloads_total",
                       "faultline_build_info", "process_cpu_seconds_total",
                       "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"):
            self.assertRegex(text, rf"(?m)^# TYPE {family} ", f"family {family} missing")


class PrometheusEndToEndTest(FaultlineTestCase):
    def setUp(self):
        if PROMETHEUS is None:
            self.skipTest(NO_PROMETHEUS)

    def start_stack(self):
        echo = self.start_echo(threads=2)
        config = (render_config([route("api", echo.port, "/"), route("down", closed_port(), "/down")])
                  + tcp_proxy(echo.port) + FAULT_PROFILE)
        proxy = ProxyServer(self.write_file("faultline.toml", config))
        self.addCleanup(self._check_stopped, proxy.process, True)
        proxy.tcp_port = int(proxy.process.wait_for_line(r"tcp proxy db listening on 127\.0\.0\.1:(\d+)").group(1))
        prometheus = PrometheusServer(self.make_temp_dir(), f"127.0.0.1:{proxy.admin_port}", RULES_YML)
        self.addCleanup(prometheus.stop)
        return echo, proxy, prometheus

    def test_every_dashboard_query_and_rule_works_against_real_prometheus(self):
        echo, proxy, prometheus = self.start_stack()
        traffic = TrafficDriver(proxy.port)
        self.addCleanup(traffic.stop)
        tcp_traffic = TrafficDriver(proxy.tcp_port, clients=1, pause=0.05, mix=[("GET", "/"), ("GET", "/bytes/4096")])
        self.addCleanup(tcp_traffic.stop)
        started = time.monotonic()

        prometheus.wait_for('up{job="faultline"}', lambda r: r and r[0]["value"][1] == "1", 30,
                            "faultline never scraped successfully")
        # ~10 s of traffic, so that every 15 s rate window holds several scrapes of it.
        time.sleep(max(0.0, TRAFFIC_SECONDS - (time.monotonic() - started)))
        prometheus.wait_for('route:faultline_upstream_duration_seconds:histogram_quantile_rate1m{route="api",quantile="0.99"}',
                            lambda r: bool(finite_values(r)), 30, "recording rules produced no upstream P99")

        metrics = scrape_metrics(proxy.admin_port)
        faults_exported = bool(select_samples(metrics, "faultline_faults_injected_total"))

        with open(DASHBOARD_JSON, encoding="utf-8") as handle:
            dashboard = json.load(handle)
        failures = []

        def check(where: str, expr: str, latency: bool, must_have_data: bool) -> None:
            body = prometheus.query(expr)
            if body.get("status") != "success":
                failures.append(f"{where}: {body.get('errorType')}: {body.get('error')}\n    {expr}")
                return
            result = body["data"]["result"]
            if body["data"]["resultType"] == "scalar":
                result = [{"value": result}]
            if latency and not finite_values(result):
                failures.append(f"{where}: latency query returned no finite value: {result!r}\n    {expr}")
            elif must_have_data and not result:
                failures.append(f"{where}: no data\n    {expr}")

        checked = 0
        for route_value in (".*", "api"):
            variables = dict(GRAFANA_BUILTINS, route=route_value, instance=".*", datasource="prometheus",
                             tcp_proxy=".*" if route_value == ".*" else "db")
            for where, raw in dashboard_queries(dashboard):
                try:
                    expr = substitute(raw, variables)
                except KeyError as error:
                    failures.append(f"{where}: {error}")
                    continue
                about_faults = "faultline_faults_injected_total" in expr
                about_reloads = "changes(faultline_config_reloads_total" in expr  # none happen here
                check(f"{where} [route={route_value}]", expr, is_latency_query(expr),
                      must_have_data=not about_reloads and (faults_exported or not about_faults))
                checked += 1

        # Every rule of rules.yml, as Prometheus loaded it.
        rules_body = prometheus.api("rules")
        self.assertEqual(rules_body.get("status"), "success", rules_body)
        rules = [rule for group in rules_body["data"]["groups"] for rule in group["rules"]]
        count = re.search(r"SUCCESS: (\d+) rules found", promtool("check", "rules", RULES_YML).stdout) if PROMTOOL else None
        if count:
            self.assertEqual(len(rules), int(count.group(1)), "Prometheus did not load every rule of rules.yml")
        self.assertGreaterEqual(len([r for r in rules if r["type"] == "recording"]), 10)
        self.assertGreaterEqual(len([r for r in rules if r["type"] == "alerting"]), 4)
        for rule in rules:
            name = rule["name"]
            if rule.get("health") != "ok" or rule.get("lastError"):
                failures.append(f"rule {name}: health {rule.get('health')!r}: {rule.get('lastError')!r}")
            latency = is_latency_query(rule["query"])
            about_faults = "faults_injected" in name or "faultline_faults_injected_total" in rule["query"]
            if rule["type"] == "recording":
                check(f"recording rule {name} (expr)", rule["query"], latency, must_have_data=faults_exported or not about_faults)
                # The recorded series itself, written by the rule evaluations so far.
                selector = name + "{" + ",".join(f'{k}="{v}"' for k, v in rule.get("labels", {}).items()) + "}"
                check(f"recording rule {name} (series {selector})", selector, latency,
                      must_have_data=faults_exported or not about_faults)
            else:
                check(f"alert {name}", rule["query"], False, must_have_data=False)
            checked += 1

        # The values make sense: /delay/20 is 1/7 of the mix, so the upstream's P99 over the
        # window is at least 20 ms; the error ratio of "down" is 1.
        p99 = finite_values(prometheus.query('faultline_upstream_latency_seconds{route="api",quantile="0.99"}')["data"]["result"])
        if not p99 or not 0.019 <= max(p99) < 5:
            failures.append(f"summary upstream P99 of api is {p99!r}, expected in [0.019, 5) s")
        hist_p99 = finite_values(prometheus.query(
            'route:faultline_upstream_duration_seconds:histogram_quantile_rate1m{route="api",quantile="0.99"}')["data"]["result"])
        if not hist_p99 or not 0.019 <= hist_p99[0] < 5:
            failures.append(f"recorded upstream P99 of api is {hist_p99!r}, expected in [0.019, 5) s")
        down_ratio = finite_values(prometheus.query('route:faultline_request_errors:ratio_rate1m{route="down"}')["data"]["result"])
        if down_ratio != [1.0]:
            failures.append(f"error ratio of route down is {down_ratio!r}, expected [1.0] (every request refused)")
        api_ratio = finite_values(prometheus.query('route:faultline_request_errors:ratio_rate1m{route="api"}')["data"]["result"])
        # api gets /, /delay/20, /status/503, /injected/x, /bytes/2048 and POSTs: 1 in 6 is a 503.
        if not api_ratio or not 0.05 < api_ratio[0] < 0.4:
            failures.append(f"error ratio of route api is {api_ratio!r}, expected about 1/6")
        # Both routes are over the 5 % error ratio threshold: the alert is pending (for: 5m).
        try:
            prometheus.wait_for('ALERTS{alertname="FaultlineHighErrorRatio"}',
                                lambda r: {"api", "down"} <= {a["metric"].get("route") for a in r}, 20,
                                "FaultlineHighErrorRatio should be pending for routes api and down")
        except AssertionError as error:
            failures.append(str(error))
        alerts = prometheus.api("alerts")["data"]["alerts"]
        if any(a["labels"].get("alertname") == "FaultlineDown" for a in alerts):
            failures.append(f"FaultlineDown is active while faultline is up: {alerts!r}")

        traffic.stop()
        tcp_traffic.stop()
        self.assertFalse(traffic.failures[:10], "client requests failed")
        self.assertFalse(tcp_traffic.failures[:10], "requests through the TCP proxy failed")
        self.assertGreater(checked, 50)
        self.assertFalse(failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures)
                         + f"\ntraffic: {traffic.statuses}")


if __name__ == "__main__":
    unittest.main()
