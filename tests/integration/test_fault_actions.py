"""Fault actions executed by the proxy, observed through real processes on loopback.

One test per point of the [faults] contract (README "Faults"):
- the active profile applies to every proxied request;
- delay, request phase and response phase (timing, upstream still answers,
  x-faultline-injected names the rule);
- abort (status, body, headers; the upstream is never contacted);
- reset, hang { for }, throttle, truncate, corrupt;
- probability with a seed: the rate, and the same decisions from two fresh processes;
- match (path_prefix and methods);
- header control on and off (x-faultline-* and Envoy's x-envoy-fault-*);
- max_active_faults;
- faultline_faults_injected_total and faultline_requests_total{outcome="injected"};
- deploy/faultline.example.toml passes `faultline check`.

Timing bounds: lower bounds are what the contract promises (a timer never fires early),
upper bounds are loose (a loaded 2-core machine; the same tests run under ASan)."""

from __future__ import annotations

import os
import socket
import threading
import time
import tomllib
import unittest

from harness import (
    LOOPBACK,
    SOURCE_DIR,
    FaultlineTestCase,
    ProxyServer,
    SocketReader,
    build_request,
    closed_port,
    http_get,
    parse_echoed_headers,
    parse_header_lines,
    read_head_lines,
    read_response,
    render_config,
    route,
    run_cli,
    scrape_metrics,
    select_samples,
    simple_response,
    sum_samples,
)

INJECTED = "x-faultline-injected"
PROFILE = "chaos"
SEED = 20240611


def echo_pattern(count: int, offset: int = 0) -> bytes:
    """What the echo upstream's /bytes/{n} sends: byte i is 'a' + i % 26."""
    return bytes(ord("a") + (offset + i) % 26 for i in range(count))


def faults_toml(rules, profile: str = PROFILE, active: str | None = None, seed: int = SEED,
                header_control: bool = False, max_active_faults: int = 0,
                extra_profiles: dict | None = None) -> str:
    """The [faults] table. Each rule is a dict {key: raw TOML value text}."""
    lines = [
        "[faults]",
        f'active_profile = "{active or profile}"',
        f"seed = {seed}",
        f"header_control = {'true' if header_control else 'false'}",
        f"max_active_faults = {max_active_faults}",
    ]
    profiles = {profile: rules} if rules else {}
    profiles.update(extra_profiles or {})
    for name, profile_rules in profiles.items():
        for rule in profile_rules:
            lines += ["", f"[[faults.profiles.{name}]]"]
            lines += [f"{key} = {value}" for key, value in rule.items()]
    return "\n".join(lines) + "\n"


def read_until_close(sock: socket.socket, timeout: float) -> tuple:
    """Reads until the peer closes. Returns (bytes_received, how, monotonic_time) where how
    is "eof", "reset" or "timeout"."""
    deadline = time.monotonic() + timeout
    received = bytearray()
    while True:  # bounded by the deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(received), "timeout", time.monotonic()
        sock.settimeout(min(remaining, 0.25))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, ConnectionAbortedError):
            return bytes(received), "reset", time.monotonic()
        if not data:
            return bytes(received), "eof", time.monotonic()
        received += data


def timed_get(port: int, target: str, headers=None, method: str = "GET", body: bytes | None = None,
              timeout: float = 10.0):
    """One request on a fresh connection; returns (response, seconds from before the send to
    the complete response)."""
    sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
    try:
        reader = SocketReader(sock)
        start = time.monotonic()
        sock.sendall(build_request(method, target, headers, body))
        response = read_response(reader, method)
        return response, time.monotonic() - start
    finally:
        sock.close()


class FaultActionTestCase(FaultlineTestCase):
    def start_fault_proxy(self, routes, faults: str, server: dict | None = None) -> ProxyServer:
        text = render_config(routes, server) + "\n" + faults
        path = self.write_file("faultline.toml", text)
        proxy = ProxyServer(path)
        self.addCleanup(self._check_stopped, proxy.process, True)
        return proxy

    def echo_with_faults(self, rules, **faults_options):
        echo = self.start_echo()
        proxy = self.start_fault_proxy([route("api", echo.port, "/")], faults_toml(rules, **faults_options))
        return echo, proxy

    def assert_injected(self, response, rule: str) -> None:
        self.assertEqual(response.header(INJECTED), rule,
                         f"x-faultline-injected should name the rule; headers {response.headers}")


# --------------------------------------------------------------------------------------
# Profile selection
# --------------------------------------------------------------------------------------


class ActiveProfileTest(FaultActionTestCase):
    def test_active_profile_applies_to_every_request(self):
        # Two profiles; only the one named by active_profile may act, and on every request.
        _, proxy = self.echo_with_faults(
            [{"name": '"chaos abort"', "abort": "503"}],
            extra_profiles={"calm": [{"name": '"calm abort"', "abort": "418"}]},
        )
        targets = ["/", "/a", "/api/v1/x", "/bytes/10", "/status/200", "/headers?q=1"] * 3
        statuses = []
        for target in targets:
            response = self.get(proxy.port, target)
            statuses.append((target, response.status, response.header(INJECTED)))
        self.assertEqual(statuses, [(t, 503, "chaos abort") for t in targets])

    def test_profile_none_injects_nothing(self):
        _, proxy = self.echo_with_faults([{"name": '"never"', "abort": "503"}], active="none")
        for target in ["/", "/api/x", "/bytes/100"]:
            response = self.get(proxy.port, target)
            self.assertEqual(response.status, 200, target)
            self.assertIsNone(response.header(INJECTED), target)


# --------------------------------------------------------------------------------------
# delay
# --------------------------------------------------------------------------------------


class DelayTest(FaultActionTestCase):
    def test_fixed_request_delay(self):
        _, proxy = self.echo_with_faults([{"name": '"slow"', "delay": '"150ms"'}])
        durations = []
        for _ in range(3):
            response, elapsed = timed_get(proxy.port, "/bytes/100")
            self.assertEqual(response.status, 200)
            self.assertEqual(response.body, echo_pattern(100), "the upstream answers normally")
            self.assert_injected(response, "slow")
            durations.append(elapsed)
        self.assertGreaterEqual(min(durations), 0.150, f"durations {durations}")
        self.assertLessEqual(sorted(durations)[1], 0.400, f"durations {durations} (median)")

    def test_fixed_response_delay(self):
        _, proxy = self.echo_with_faults([{
            "name": '"late"',
            "delay": '{ distribution = "fixed", value = "150ms", phase = "response" }',
        }])
        durations = []
        for _ in range(3):
            response, elapsed = timed_get(proxy.port, "/headers", headers=[("X-Probe", "seen-upstream")])
            self.assertEqual(response.status, 200)
            echoed = {name.lower(): value for name, value in parse_echoed_headers(response.body)}
            self.assertEqual(echoed.get("x-probe"), "seen-upstream",
                             f"the upstream must be contacted; it echoed {response.body[:300]!r}")
            self.assert_injected(response, "late")
            durations.append(elapsed)
        self.assertGreaterEqual(min(durations), 0.150, f"durations {durations}")
        self.assertLessEqual(sorted(durations)[1], 0.400, f"durations {durations} (median)")

    def test_delay_phase_is_before_or_after_the_upstream(self):
        # A fake upstream records when each request arrives: a request-phase delay holds the
        # request back from the upstream; a response-phase delay holds the answer back.
        arrivals = {}

        def respond(request):
            arrivals[request.target] = time.monotonic()
            return simple_response(b"fake")

        upstream = self.start_fake_upstream(respond=respond)
        faults = faults_toml([
            {"name": '"before"', "match": '{ route = "req" }', "delay": '"150ms"'},
            {"name": '"after"', "match": '{ route = "resp" }',
             "delay": '{ distribution = "fixed", value = "150ms", phase = "response" }'},
        ])
        proxy = self.start_fault_proxy(
            [route("req", upstream.port, "/req"), route("resp", upstream.port, "/resp")], faults)

        start = time.monotonic()
        response, _ = timed_get(proxy.port, "/req")
        self.assertEqual((response.status, response.body), (200, b"fake"))
        self.assert_injected(response, "before")
        self.assertIn("/req", arrivals)
        self.assertGreaterEqual(arrivals["/req"] - start, 0.150,
                                "a request-phase delay must pass before the upstream is contacted")

        response, _ = timed_get(proxy.port, "/resp")
        done = time.monotonic()
        self.assertEqual((response.status, response.body), (200, b"fake"))
        self.assert_injected(response, "after")
        self.assertIn("/resp", arrivals)
        self.assertGreaterEqual(done - arrivals["/resp"], 0.150,
                                "a response-phase delay must pass after the upstream answered")


# --------------------------------------------------------------------------------------
# abort
# --------------------------------------------------------------------------------------


class AbortTest(FaultActionTestCase):
    def test_abort_answers_without_contacting_the_upstream(self):
        upstream = self.start_fake_upstream()
        faults = faults_toml([{"name": '"errors"', "abort": '{ status = 503, body = "injected by faultline" }'}])
        proxy = self.start_fault_proxy(
            [route("live", upstream.port, "/"), route("dead", closed_port(), "/dead")], faults)
        for target in ["/", "/x/y", "/dead", "/dead/z"]:
            response = self.get(proxy.port, target)
            self.assertEqual(response.status, 503, f"{target}: {response!r}")
            self.assertEqual(response.body, b"injected by faultline", target)
            self.assert_injected(response, "errors")
        time.sleep(0.1)  # a connection attempt, if any, would have landed by now
        self.assertEqual(upstream.connections_accepted, 0, "abort must not contact the upstream")
        self.assertEqual(upstream.received(), [])

    def test_abort_with_headers(self):
        _, proxy = self.echo_with_faults([{
            "name": '"rate limited"', "abort": '{ status = 429, headers = { "retry-after" = "3" } }'}])
        response = self.get(proxy.port, "/anything")
        self.assertEqual(response.status, 429, repr(response))
        self.assertEqual(response.header_all("retry-after"), ["3"], f"headers {response.headers}")
        self.assert_injected(response, "rate limited")
        self.assertNotEqual(response.body, b"ok", "the echo upstream's answer must not come through")


# --------------------------------------------------------------------------------------
# reset and hang
# --------------------------------------------------------------------------------------


class ConnectionFaultTest(FaultActionTestCase):
    def test_reset_closes_without_a_response(self):
        _, proxy = self.echo_with_faults([{"name": '"rst"', "reset": "true"}])
        outcomes = []
        for _ in range(3):
            sock = socket.create_connection((LOOPBACK, proxy.port), timeout=5)
            self.addCleanup(sock.close)
            sock.sendall(build_request("GET", "/"))
            received, how, _ = read_until_close(sock, timeout=5)
            outcomes.append((how, received[:200]))
            sock.close()
        for how, received in outcomes:
            self.assertEqual(received, b"", f"no HTTP response bytes may arrive; outcomes {outcomes}")
            # A reset is an RST (SO_LINGER 0): the client's read fails with ECONNRESET. An
            # orderly close (eof) would be a different fault.
            self.assertEqual(how, "reset", f"the connection must be reset; outcomes {outcomes}")

    def test_hang_for_closes_after_the_duration(self):
        _, proxy = self.echo_with_faults([{"name": '"stall"', "hang": '{ for = "300ms" }'}])
        sock = socket.create_connection((LOOPBACK, proxy.port), timeout=5)
        self.addCleanup(sock.close)
        start = time.monotonic()
        sock.sendall(build_request("GET", "/"))
        received, how, closed_at = read_until_close(sock, timeout=6)
        elapsed = closed_at - start
        self.assertEqual(received, b"", "a hang sends no response bytes")
        self.assertIn(how, ("eof", "reset"), f"the connection must close after `for`; waited {elapsed:.3f} s")
        self.assertGreaterEqual(elapsed, 0.300, "closed before `for` passed")
        self.assertLess(elapsed, 3.0)


# --------------------------------------------------------------------------------------
# body actions: throttle, truncate, corrupt
# --------------------------------------------------------------------------------------


class BodyFaultTest(FaultActionTestCase):
    def test_throttle_paces_the_body(self):
        _, proxy = self.echo_with_faults([{"name": '"slow link"', "throttle": '{ bytes_per_second = "100KiB" }'}])
        size = 200 * 1024
        response, elapsed = timed_get(proxy.port, f"/bytes/{size}", timeout=15)
        self.assertEqual(response.status, 200)
        self.assertEqual(len(response.body), size)
        self.assertTrue(response.body == echo_pattern(size), "the throttled body must be intact")
        self.assert_injected(response, "slow link")
        self.assertGreaterEqual(elapsed, 1.6, "200 KiB at 100 KiB/s takes about 2 s")
        self.assertLessEqual(elapsed, 4.0)

    def test_truncate_closes_after_the_given_body_bytes(self):
        _, proxy = self.echo_with_faults([{"name": '"cut"', "truncate": "{ after_bytes = 1000 }"}])
        sock = socket.create_connection((LOOPBACK, proxy.port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(build_request("GET", "/bytes/10000"))
        reader = SocketReader(sock)
        status_line = reader.readline()
        self.assertTrue(status_line.startswith(b"HTTP/1.1 200"), status_line)
        headers = parse_header_lines(read_head_lines(reader))
        names = {name.lower(): value for name, value in headers}
        self.assertEqual(names.get("content-length"), "10000", f"headers {headers}")
        self.assertEqual(names.get(INJECTED), "cut", f"headers {headers}")
        body = bytearray()
        if reader.buffered():
            body += reader._take(reader.buffered())
        rest, how, _ = read_until_close(sock, timeout=5)
        body += rest
        self.assertIn(how, ("eof", "reset"), "the connection must close after the truncated body")
        self.assertEqual(len(body), 1000, "exactly after_bytes body bytes")
        self.assertEqual(bytes(body), echo_pattern(1000))

    def corrupted_positions(self, port: int) -> list:
        response = self.get(port, "/bytes/10000")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("content-length"), "10000")
        self.assertEqual(len(response.body), 10000, "corrupt keeps the length")
        self.assert_injected(response, "bitrot")
        expected = echo_pattern(10000)
        return [i for i in range(10000) if response.body[i] != expected[i]]

    def test_corrupt_flips_bytes_reproducibly(self):
        rules = [{"name": '"bitrot"', "corrupt": "{ bytes = 5 }"}]
        runs = []
        for _ in range(2):  # two fresh proxies, the same seed
            _, proxy = self.echo_with_faults(rules)
            positions = self.corrupted_positions(proxy.port)
            self.assertTrue(1 <= len(positions) <= 5, f"1 to 5 bytes differ, got {positions}")
            runs.append(positions)
        self.assertEqual(runs[0], runs[1], "the same seed must flip the same positions")


# --------------------------------------------------------------------------------------
# probability and seed
# --------------------------------------------------------------------------------------


class ProbabilityTest(FaultActionTestCase):
    REQUESTS = 400

    def statuses(self, port: int) -> list:
        out = []
        for index in range(self.REQUESTS):
            response = http_get(port, f"/p/{index}")
            out.append(response.status)
        return out

    def test_probability_rate_and_seeded_sequence(self):
        rules = [{"name": '"sometimes"', "probability": "0.3", "abort": "503"}]
        sequences = []
        for _ in range(2):
            _, proxy = self.echo_with_faults(rules)
            statuses = self.statuses(proxy.port)
            self.assertEqual(set(statuses) - {200, 503}, set(), "only 200 and 503 expected")
            aborted = statuses.count(503)
            self.assertTrue(80 <= aborted <= 160, f"p = 0.3 over {self.REQUESTS}: {aborted} aborted")
            sequences.append(statuses)
        first_difference = next((i for i, (a, b) in enumerate(zip(*sequences)) if a != b), None)
        self.assertIsNone(first_difference, "two fresh proxies with the same seed must decide alike")


# --------------------------------------------------------------------------------------
# match
# --------------------------------------------------------------------------------------


class MatchTest(FaultActionTestCase):
    def test_match_path_prefix_and_method(self):
        _, proxy = self.echo_with_faults([{
            "name": '"api gets"', "match": '{ path_prefix = "/api", methods = ["GET"] }', "abort": "503"}])
        response, _ = timed_get(proxy.port, "/api/x")
        self.assertEqual(response.status, 503, "GET /api/x matches")
        self.assert_injected(response, "api gets")

        response, _ = timed_get(proxy.port, "/api/x", method="POST", body=b"payload")
        self.assertEqual((response.status, response.body), (200, b"payload"), "POST /api/x does not match")
        self.assertIsNone(response.header(INJECTED))

        response, _ = timed_get(proxy.port, "/other")
        self.assertEqual((response.status, response.body), (200, b"ok"), "GET /other does not match")
        self.assertIsNone(response.header(INJECTED))


# --------------------------------------------------------------------------------------
# header control
# --------------------------------------------------------------------------------------


class HeaderControlTest(FaultActionTestCase):
    def test_header_control_on(self):
        _, proxy = self.echo_with_faults([], active="none", header_control=True)

        response, _ = timed_get(proxy.port, "/", headers=[("x-faultline-abort", "418")])
        self.assertEqual(response.status, 418, repr(response))
        self.assertIsNotNone(response.header(INJECTED))

        response, elapsed = timed_get(proxy.port, "/", headers=[("x-faultline-delay", "200ms")])
        self.assertEqual((response.status, response.body), (200, b"ok"))
        self.assertGreaterEqual(elapsed, 0.200)
        self.assertLess(elapsed, 2.0)
        self.assertIsNotNone(response.header(INJECTED))

        response, _ = timed_get(proxy.port, "/", headers=[("x-envoy-fault-abort-request", "503")])
        self.assertEqual(response.status, 503, repr(response))
        self.assertIsNotNone(response.header(INJECTED))

        response, elapsed = timed_get(proxy.port, "/")
        self.assertEqual((response.status, response.body), (200, b"ok"), "no header, no fault")
        self.assertIsNone(response.header(INJECTED))

    def test_header_control_off_ignores_the_headers(self):
        _, proxy = self.echo_with_faults([], active="none", header_control=False)
        for name, value in [("x-faultline-abort", "418"), ("x-faultline-delay", "200ms"),
                            ("x-envoy-fault-abort-request", "503"), ("x-faultline-reset", "1")]:
            response, elapsed = timed_get(proxy.port, "/", headers=[(name, value)])
            self.assertEqual((response.status, response.body), (200, b"ok"), f"{name}: {value}")
            self.assertIsNone(response.header(INJECTED), f"{name}: {value}")
            self.assertLess(elapsed, 0.200, f"{name}: {value} took {elapsed:.3f} s")


# --------------------------------------------------------------------------------------
# max_active_faults
# --------------------------------------------------------------------------------------


class FaultCapTest(FaultActionTestCase):
    def test_max_active_faults_lets_the_overflow_pass(self):
        _, proxy = self.echo_with_faults([{"name": '"long"', "delay": '"500ms"'}], max_active_faults=1)
        http_get(proxy.port, "/warm-up")  # delayed too; it frees its slot when done
        results = [None, None]
        barrier = threading.Barrier(2)

        def one(index: int) -> None:
            barrier.wait(timeout=5)
            if index == 1:
                time.sleep(0.1)  # the second one arrives while the first is being delayed
            try:
                results[index] = timed_get(proxy.port, f"/c/{index}")
            except Exception as error:  # reported below
                results[index] = error

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        for result in results:
            self.assertIsInstance(result, tuple, f"request failed: {result!r}")
        summary = [(r.status, r.header(INJECTED), round(t, 3)) for r, t in results]
        slow = [(r, t) for r, t in results if r.header(INJECTED) == "long"]
        fast = [(r, t) for r, t in results if r.header(INJECTED) is None]
        self.assertEqual((len(slow), len(fast)), (1, 1), f"one delayed, one unharmed: {summary}")
        self.assertGreaterEqual(slow[0][1], 0.500, summary)
        self.assertLess(fast[0][1], 0.300, summary)
        self.assertEqual([r.status for r, _ in results], [200, 200], summary)

        # The slot is released: the next request is delayed again.
        response, elapsed = timed_get(proxy.port, "/after")
        self.assert_injected(response, "long")
        self.assertGreaterEqual(elapsed, 0.500)


# --------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------


class FaultMetricsTest(FaultActionTestCase):
    def test_injected_aborts_are_counted(self):
        _, proxy = self.echo_with_faults([{"name": '"boom"', "abort": "503"}])
        count = 7
        for index in range(count):
            self.assertEqual(self.get(proxy.port, f"/m/{index}").status, 503)
        deadline = time.monotonic() + 3
        while True:  # counters may land just after the response
            samples = scrape_metrics(proxy.admin_port)
            injected = select_samples(samples, "faultline_faults_injected_total",
                                      route="api", profile=PROFILE, rule="boom", kind="abort")
            outcome = sum_samples(samples, "faultline_requests_total", outcome="injected")
            if (len(injected) == 1 and injected[0].value == count and outcome == count) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual([s.value for s in injected], [count],
                         f"faultline_faults_injected_total: "
                         f"{select_samples(samples, 'faultline_faults_injected_total')}")
        self.assertEqual(sum_samples(samples, "faultline_faults_injected_total"), count,
                         "no other fault may be counted")
        self.assertEqual(outcome, count,
                         f"faultline_requests_total: {select_samples(samples, 'faultline_requests_total')}")
        self.assertEqual(sum_samples(samples, "faultline_requests_total", outcome="ok"), 0)


class ModifyTest(FaultActionTestCase):
    def test_modify_rewrites_status_headers_and_body_and_is_counted(self):
        _, proxy = self.echo_with_faults([{
            "name": '"rewrite"',
            "modify": '{ status = 502, set_headers = { "x-modified" = "yes" }, '
                      'remove_headers = ["x-echo-connection"], body = "rewritten by faultline" }'}])
        for _ in range(3):  # the upstream connection stays reusable after its body is dropped
            response = self.get(proxy.port, "/bytes/5000")
            self.assertEqual(response.status, 502, repr(response))
            self.assertEqual(response.body, b"rewritten by faultline")
            self.assertEqual(response.header("content-length"), str(len(b"rewritten by faultline")))
            self.assertEqual(response.header_all("x-modified"), ["yes"], f"headers {response.headers}")
            self.assertEqual(response.header_all("x-echo-connection"), [], f"headers {response.headers}")
            self.assert_injected(response, "rewrite")
        deadline = time.monotonic() + 3
        while True:  # counters may land just after the response
            samples = scrape_metrics(proxy.admin_port)
            injected = select_samples(samples, "faultline_faults_injected_total",
                                      route="api", profile=PROFILE, rule="rewrite", kind="modify")
            if (injected and injected[0].value == 3) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual([s.value for s in injected], [3],
                         f"{select_samples(samples, 'faultline_faults_injected_total')}")

    def test_modify_of_headers_alone_keeps_the_upstreams_body(self):
        _, proxy = self.echo_with_faults([{
            "name": '"cache"', "modify": '{ set_headers = { "cache-control" = "no-store" } }'}])
        response = self.get(proxy.port, "/bytes/100")
        self.assertEqual(response.status, 200, repr(response))
        self.assertEqual(response.body, echo_pattern(100))
        self.assertEqual(response.header_all("cache-control"), ["no-store"])
        self.assert_injected(response, "cache")


# --------------------------------------------------------------------------------------
# the shipped example
# --------------------------------------------------------------------------------------


class ExampleConfigTest(unittest.TestCase):
    def test_example_config_checks_and_has_the_demo_profiles(self):
        path = os.path.join(SOURCE_DIR, "deploy", "faultline.example.toml")
        result = run_cli(["check", "-c", path])
        self.assertEqual(result.returncode, 0, f"stdout {result.stdout}\nstderr {result.stderr}")
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
        profiles = set(config["faults"]["profiles"])
        self.assertTrue({"slow", "flaky", "spiky"} <= profiles, f"profiles {sorted(profiles)}")


if __name__ == "__main__":
    unittest.main()
