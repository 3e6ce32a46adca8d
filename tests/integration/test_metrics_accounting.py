"""Metrics that can be trusted: after requests of known kinds, /metrics and /api/v1/stats
count exactly what happened.

- faultline_requests_total sums to exactly the number of requests sent, and every
  {route, method, code, outcome} cell has exactly the expected count;
- faultline_upstream_errors_total{reason="connect"} and {reason="timeout"} match the refused
  and timed-out requests; histogram and summary counts match the request counts;
- /api/v1/stats agrees with /metrics;
- the echo upstream's /delay/20 gives an upstream P50 in [19, 30] ms;
- the in-flight and connection gauges go up while a request runs and back to 0 after;
- network bytes count the bodies once.

Timing bounds are loose (a 2-core shared machine; the same tests run under ASan)."""

from __future__ import annotations

import math
import threading
import time
import unittest

from harness import (
    FaultlineTestCase,
    ProtocolError,
    admin_json,
    closed_port,
    http_get,
    route,
    scrape_metrics,
    select_samples,
    sum_samples,
)

HOST = "faultline.test"  # the Host the harness sends by default


def request_cells(samples) -> dict:
    """{(route, method, code, outcome): count} of faultline_requests_total."""
    cells = {}
    for s in select_samples(samples, "faultline_requests_total"):
        key = (s.labels["route"], s.labels["method"], s.labels["code"], s.labels["outcome"])
        if key in cells:
            raise AssertionError(f"duplicate series {s!r}")
        cells[key] = s.value
    return cells


def stats_by_route(stats: dict) -> dict:
    return {entry["route"]: entry for entry in stats["routes"]}


def scrape_when_counted(admin_port: int, requests: int, timeout: float = 5.0):
    """The scrape once `requests` requests are counted in faultline_requests_total.

    A request is counted just after its last byte is written, so a client can read its
    response before the count lands (visibly so on sanitizer builds): wait for it."""
    def counted():
        samples = scrape_metrics(admin_port)
        return samples if sum_samples(samples, "faultline_requests_total") >= requests else None
    samples = wait_until(counted, timeout)
    return samples if samples else scrape_metrics(admin_port)


def wait_until(predicate, timeout: float, interval: float = 0.05):
    """Polls predicate() until it returns a truthy value or timeout passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class RequestAccountingTest(FaultlineTestCase):
    def start_routes(self):
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([
            route("api", echo.port, "/", host=HOST),
            route("down", closed_port(), "/down"),  # refused: 502, upstream_error, reason connect
            route("slow", echo.port, "/delay/3", request_timeout="300ms"),  # 504, timeout
        ])
        return echo, proxy

    def test_counts_are_exact_and_stats_agree_with_metrics(self):
        echo, proxy = self.start_routes()
        sent = {}

        def expect(route_name, method, code, outcome, n=1):
            key = (route_name, method, str(code), outcome)
            sent[key] = sent.get(key, 0) + n

        # Keep-alive connection for the plain ones: several requests per connection must
        # each count once.
        conn = self.connect(proxy.port, timeout=15)
        for _ in range(40):
            self.assertEqual(conn.request("GET", "/hello").status, 200)
        expect("api", "GET", 200, "ok", 40)
        for _ in range(30):
            self.assertEqual(conn.request("GET", "/delay/20").status, 200)
        expect("api", "GET", 200, "ok", 30)
        for _ in range(20):
            # The upstream's own 503, relayed: outcome "ok" (faultline did its job).
            self.assertEqual(conn.request("GET", "/status/503").status, 503)
        expect("api", "GET", 503, "ok", 20)
        for _ in range(10):
            response = conn.request("POST", "/echo", body=b"p" * 1000)
            self.assertEqual((response.status, len(response.body)), (200, 1000))
        expect("api", "POST", 200, "ok", 10)
        # One HEAD, last on "api": see test_head_then_get_on_the_same_upstream_connection.
        self.assertEqual(conn.request("HEAD", "/").status, 200)
        expect("api", "HEAD", 200, "ok", 1)
        conn.close()
        for _ in range(10):
            self.assertEqual(http_get(proxy.port, "/down/x", timeout=15).status, 502)
        expect("down", "GET", 502, "upstream_error", 10)
        for _ in range(5):
            self.assertEqual(http_get(proxy.port, "/delay/3000", timeout=15).status, 504)
        expect("slow", "GET", 504, "timeout", 5)
        total_sent = sum(sent.values())
        self.assertEqual(total_sent, 116)

        samples = scrape_when_counted(proxy.admin_port, total_sent)
        stats = stats_by_route(admin_json(proxy.admin_port, "/api/v1/stats"))
        cells = request_cells(samples)

        # Exactly N in total, and exactly the expected cells (nothing else, nothing unmatched).
        self.assertEqual(sum(cells.values()), total_sent, cells)
        self.assertEqual(cells, {k: float(v) for k, v in sent.items()})

        per_route = {"api": 101, "down": 10, "slow": 5}
        upstream_answered = {"api": 101, "down": 0, "slow": 0}
        expected_errors = {"api": {}, "down": {"connect": 10}, "slow": {"timeout": 5}}
        for name, count in per_route.items():
            with self.subTest(route=name):
                # Every request is timed exactly once; the upstream only when it answered.
                self.assertEqual(sum_samples(samples, "faultline_request_duration_seconds_count", route=name), count)
                self.assertEqual(sum_samples(samples, "faultline_request_duration_seconds_bucket", route=name, le="+Inf"), count)
                self.assertEqual(sum_samples(samples, "faultline_upstream_duration_seconds_count", route=name),
                                 upstream_answered[name])
                self.assertEqual(sum_samples(samples, "faultline_upstream_latency_seconds_count", route=name),
                                 upstream_answered[name])
                for reason in ("connect", "timeout", "reset", "protocol"):
                    self.assertEqual(
                        sum_samples(samples, "faultline_upstream_errors_total", route=name, reason=reason),
                        expected_errors[name].get(reason, 0), f"upstream_errors_total{{reason={reason}}}")
                self.assertEqual(sum_samples(samples, "faultline_inflight_requests", route=name), 0)

                # /api/v1/stats tells the same story.
                entry = stats[name]
                self.assertEqual(entry["requests"], count)
                outcomes = {}
                for (r, _, _, outcome), value in sent.items():
                    if r == name:
                        outcomes[outcome] = outcomes.get(outcome, 0) + value
                self.assertEqual({k: v for k, v in entry["outcomes"].items() if v}, outcomes)
                self.assertEqual({k: v for k, v in entry["upstream_errors"].items() if v}, expected_errors[name])
                self.assertEqual(entry["inflight"], 0)
                self.assertEqual(entry["request_duration_seconds"]["count"], count)
                self.assertEqual(entry["upstream_duration_seconds"]["count"], upstream_answered[name])
                for kind, family in (("request_duration_seconds", "faultline_request_duration_seconds"),
                                     ("upstream_duration_seconds", "faultline_upstream_duration_seconds")):
                    latency = entry[kind]
                    histogram_sum = sum_samples(samples, family + "_sum", route=name)
                    self.assertAlmostEqual(latency["mean"] * latency["count"], histogram_sum,
                                           delta=max(1e-4, 0.01 * histogram_sum), msg=f"{kind}: mean × count vs _sum")
                    if latency["count"]:
                        self.assertTrue(0 < latency["p50"] <= latency["p95"] <= latency["p99"]
                                        <= latency["p999"] <= latency["max"], latency)

        # The timeouts took request_timeout: client-side P50 of "slow" is about 300 ms.
        slow = stats["slow"]["request_duration_seconds"]
        self.assertGreaterEqual(slow["p50"], 0.29, slow)
        self.assertLess(slow["p50"], 2.5, slow)
        # Summary quantiles over the window agree with the stats' window figures (same data:
        # the whole test is shorter than the 60 s window).
        window = stats["api"]["upstream_window_seconds"]
        self.assertEqual(window["count"], 101)
        for quantile, key in (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"), ("0.999", "p999")):
            summary = select_samples(samples, "faultline_upstream_latency_seconds", route="api", quantile=quantile)
            self.assertEqual(len(summary), 1, f"summary quantile {quantile}")
            self.assertTrue(math.isclose(summary[0].value, window[key], rel_tol=1e-6), (quantile, summary, window))

    def test_head_then_get_on_the_same_upstream_connection(self):
        # HEAD responses carry no body (RFC 9110 §9.3.2): after one, the kept-alive upstream
        # connection must serve the next request, and nothing is counted as an upstream error.
        # One worker thread, so every request uses the same upstream pool; a fresh client
        # connection per request, so only the upstream side is under test here.
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([route("api", echo.port, "/")], server={"threads": 1})
        statuses = []
        for method in ("HEAD", "HEAD", "GET", "HEAD", "GET"):
            conn = self.connect(proxy.port, timeout=15)
            statuses.append(conn.request(method, "/").status)
            conn.close()
        cells = request_cells(scrape_when_counted(proxy.admin_port, 5))
        self.assertEqual(statuses, [200] * 5, f"metrics: {cells}")
        self.assertEqual(cells, {("api", "HEAD", "200", "ok"): 3, ("api", "GET", "200", "ok"): 2})

    def test_local_error_answer_to_head_has_no_body(self):
        # faultline's own 502 to a HEAD must not carry a body either: the client connection
        # stays in sync for the next request.
        proxy = self.start_proxy([route("down", closed_port(), "/")])
        conn = self.connect(proxy.port, timeout=15)
        self.assertEqual(conn.request("HEAD", "/x").status, 502)
        try:
            second = conn.request("GET", "/x")
        except ProtocolError as error:
            self.fail(f"the 502 answering HEAD carried a body, read as the next response: {error}")
        self.assertEqual(second.status, 502)
        cells = request_cells(scrape_when_counted(proxy.admin_port, 2))
        self.assertEqual(cells, {("down", "HEAD", "502", "upstream_error"): 1,
                                 ("down", "GET", "502", "upstream_error"): 1})

    def test_unmatched_and_malformed_requests_are_counted(self):
        echo, proxy = self.start_routes()
        for _ in range(3):
            # No route takes Host other.test on path /x ("api" needs faultline.test).
            self.assertEqual(http_get(proxy.port, "/x", host="other.test", timeout=15).status, 404)
        for _ in range(2):
            conn = self.connect(proxy.port)
            conn.send(b"GET / HTTP/1.1\r\nHost: faultline.test\r\nthis line has no colon\r\n\r\n")
            self.assertEqual(conn.read_response().status, 400)
            conn.close()
        samples = scrape_when_counted(proxy.admin_port, 5)
        cells = request_cells(samples)
        self.assertEqual(sum(cells.values()), 5, cells)
        by_code = {}
        for (route_name, _, code, _), value in cells.items():
            self.assertEqual(route_name, "unmatched", cells)
            by_code[code] = by_code.get(code, 0) + value
        self.assertEqual(by_code, {"404": 3, "400": 2})
        stats = stats_by_route(admin_json(proxy.admin_port, "/api/v1/stats"))
        self.assertEqual(stats["unmatched"]["requests"], 5)
        self.assertEqual(stats["api"]["requests"], 0)

    def test_upstream_p50_of_delay_20_is_between_19_and_30_ms(self):
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([route("api", echo.port, "/")])
        conn = self.connect(proxy.port, timeout=15)
        for _ in range(40):
            self.assertEqual(conn.request("GET", "/delay/20").status, 200)
        scrape_when_counted(proxy.admin_port, 40)
        stats = stats_by_route(admin_json(proxy.admin_port, "/api/v1/stats"))["api"]
        upstream = stats["upstream_duration_seconds"]
        self.assertEqual(upstream["count"], 40)
        self.assertGreaterEqual(upstream["p50"], 0.019, upstream)
        self.assertLessEqual(upstream["p50"], 0.030, upstream)
        self.assertGreaterEqual(stats["upstream_window_seconds"]["p50"], 0.019)
        self.assertLessEqual(stats["upstream_window_seconds"]["p50"], 0.030)
        # The client-side duration contains the upstream's.
        request = stats["request_duration_seconds"]
        self.assertGreaterEqual(request["p50"], upstream["p50"], (request, upstream))
        self.assertLess(request["p50"], 0.060, request)

        samples = scrape_metrics(proxy.admin_port)
        (summary_p50,) = select_samples(samples, "faultline_upstream_latency_seconds", route="api", quantile="0.5")
        self.assertGreaterEqual(summary_p50.value, 0.019)
        self.assertLessEqual(summary_p50.value, 0.030)
        # Nothing can be faster than the 20 ms delay: the 10 ms bucket is empty, all 40 are
        # under +Inf, and the histogram's mean agrees.
        self.assertEqual(sum_samples(samples, "faultline_upstream_duration_seconds_bucket", route="api", le="0.01"), 0)
        self.assertEqual(sum_samples(samples, "faultline_upstream_duration_seconds_bucket", route="api", le="+Inf"), 40)
        mean = sum_samples(samples, "faultline_upstream_duration_seconds_sum", route="api") / 40
        self.assertGreaterEqual(mean, 0.019)
        self.assertLess(mean, 0.060)


class GaugeAndBytesTest(FaultlineTestCase):
    def test_inflight_and_connections_rise_during_a_request_and_return_to_zero(self):
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([route("api", echo.port, "/")])
        result = {}

        def slow_request():
            try:
                result["status"] = http_get(proxy.port, "/delay/3000", timeout=20).status
            except Exception as error:  # noqa: BLE001 - reported below
                result["error"] = repr(error)

        thread = threading.Thread(target=slow_request, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 20)

        def busy():
            # In flight from the route match on; the upstream connection counts once it is
            # connected, a moment later: wait for both.
            samples = scrape_metrics(proxy.admin_port)
            if (sum_samples(samples, "faultline_inflight_requests", route="api") == 1
                    and sum_samples(samples, "faultline_connections", side="upstream") == 1):
                return samples
            return None

        samples = wait_until(busy, timeout=2.5)
        self.assertTrue(samples, "in-flight and upstream connections never both became 1 during a 3 s request")
        self.assertEqual(sum_samples(samples, "faultline_connections", side="client"), 1)
        self.assertEqual(sum_samples(samples, "faultline_connections", side="upstream"), 1)
        self.assertEqual(stats_by_route(admin_json(proxy.admin_port, "/api/v1/stats"))["api"]["inflight"], 1)

        thread.join(timeout=20)
        self.assertEqual(result, {"status": 200})

        def idle():
            s = scrape_metrics(proxy.admin_port)
            return (sum_samples(s, "faultline_inflight_requests", route="api") == 0
                    and sum_samples(s, "faultline_connections", side="client") == 0)

        self.assertTrue(wait_until(idle, timeout=5), "in-flight or client connections did not return to 0: "
                        + repr(select_samples(scrape_metrics(proxy.admin_port), "faultline_connections")))
        self.assertEqual(stats_by_route(admin_json(proxy.admin_port, "/api/v1/stats"))["api"]["inflight"], 0)

    def test_network_bytes_count_bodies_once(self):
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([route("api", echo.port, "/")])
        conn = self.connect(proxy.port, timeout=15)
        for _ in range(3):
            response = conn.request("GET", "/bytes/100000")
            self.assertEqual((response.status, len(response.body)), (200, 100000))
        response = conn.request("POST", "/upload", body=b"u" * 50000)
        self.assertEqual((response.status, len(response.body)), (200, 50000))
        conn.close()

        # A request is counted just after its last byte is written: the client can be
        # faster than that on a slow (sanitizer) build, so wait for the last one to land.
        def all_counted():
            s = scrape_metrics(proxy.admin_port)
            done = sum_samples(s, "faultline_requests_total", route="api") == 4
            return s if done else None
        samples = wait_until(all_counted, timeout=5)
        self.assertTrue(samples, "the 4 requests were not all counted within 5 s")
        def counted(side, direction):
            return sum_samples(samples, "faultline_network_bytes_total", side=side, direction=direction)
        # 350 000 body bytes went to the client and came from the upstream; 50 000 the other
        # way. Heads add a few hundred bytes per message, never another copy of a body.
        head_allowance = 4 * 2048
        for side, direction, body_bytes in (("client", "out", 350000), ("upstream", "in", 350000),
                                            ("client", "in", 50000), ("upstream", "out", 50000)):
            with self.subTest(side=side, direction=direction):
                value = counted(side, direction)
                self.assertGreaterEqual(value, body_bytes)
                self.assertLessEqual(value, body_bytes + head_allowance)


if __name__ == "__main__":
    unittest.main()
