"""Graceful shutdown (drain on SIGTERM/SIGINT), the admin health endpoints, the access log."""

import json
import signal
import threading
import time
import unittest

from harness import ConnectionClosed, FaultlineTestCase, HttpConnection, http_get

DRAIN_TIMEOUT_SECONDS = 8.0
INFLIGHT_DELAY_MS = 1500
SIGNAL_AFTER_SECONDS = 0.3
ACCESS_LOG_KEYS = {"time", "route", "method", "path", "status", "upstream_ms", "total_ms", "bytes_in", "bytes_out"}


class InflightRequest:
    """A /delay request on its own connection, in a thread."""

    def __init__(self, port: int, delay_ms: int):
        self.response = None
        self.error = None
        self._thread = threading.Thread(target=self._run, args=(port, delay_ms), daemon=True)
        self._thread.start()

    def _run(self, port: int, delay_ms: int) -> None:
        try:
            self.response = http_get(port, f"/delay/{delay_ms}", timeout=20)
        except Exception as error:  # reported by the test
            self.error = error

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class DrainTest(FaultlineTestCase):
    def start_draining(self, sig=signal.SIGTERM):
        """A proxy with a /delay/1500 request in flight, signalled 300 ms into it."""
        echo, proxy = self.echo_and_proxy(server={"drain_timeout": f"{DRAIN_TIMEOUT_SECONDS:.0f}s"})
        inflight = InflightRequest(proxy.port, INFLIGHT_DELAY_MS)
        time.sleep(SIGNAL_AFTER_SECONDS)
        proxy.process.send_signal(sig)
        return proxy, inflight

    def assert_drains_and_exits_0(self, sig):
        proxy, inflight = self.start_draining(sig)
        signalled = proxy.process.signalled_at
        returncode = proxy.process.wait(timeout=DRAIN_TIMEOUT_SECONDS + 5)
        exited_after = time.monotonic() - signalled
        inflight.join(timeout=5)
        self.assertIsNone(inflight.error, f"the in-flight request failed: {inflight.error!r}")
        self.assertIsNotNone(inflight.response)
        self.assertEqual((inflight.response.status, inflight.response.body), (200, b"ok"))
        self.assertEqual(returncode, 0, proxy.process.output_tail())
        remaining_ms = INFLIGHT_DELAY_MS - SIGNAL_AFTER_SECONDS * 1000
        self.assertGreaterEqual(exited_after, remaining_ms / 1000 * 0.8, "exited before the in-flight request ended")
        self.assertLess(exited_after, DRAIN_TIMEOUT_SECONDS, "did not exit before the drain deadline")

    def test_sigterm_lets_inflight_request_finish_then_exits_0(self):
        self.assert_drains_and_exits_0(signal.SIGTERM)

    def test_sigint_drains_like_sigterm(self):
        self.assert_drains_and_exits_0(signal.SIGINT)

    def test_readyz_turns_503_while_draining(self):
        echo, proxy = self.echo_and_proxy(server={"drain_timeout": f"{DRAIN_TIMEOUT_SECONDS:.0f}s"})
        before = http_get(proxy.admin_port, "/readyz")
        self.assertEqual(before.status, 200, before)
        inflight = InflightRequest(proxy.port, INFLIGHT_DELAY_MS)
        time.sleep(SIGNAL_AFTER_SECONDS)
        proxy.process.send_signal(signal.SIGTERM)
        statuses = []
        deadline = time.monotonic() + 0.9  # well inside the ~1.2 s the request still runs
        while time.monotonic() < deadline:
            try:
                statuses.append(http_get(proxy.admin_port, "/readyz", timeout=2).status)
            except OSError as error:
                statuses.append(repr(error))
            if statuses[-1] == 503:
                break
            time.sleep(0.05)
        self.assertEqual(statuses[-1], 503, f"/readyz while draining answered {statuses}")
        inflight.join(timeout=10)
        self.assertIsNotNone(inflight.response, inflight.error)
        self.assertEqual(inflight.response.status, 200)

    def test_new_connections_are_refused_while_draining(self):
        proxy, inflight = self.start_draining(signal.SIGTERM)
        time.sleep(0.2)  # the in-flight request has ~1 s to go
        outcome = None
        try:
            probe = HttpConnection(proxy.port, timeout=3)
        except ConnectionRefusedError:
            outcome = "refused"
        else:
            try:
                response = probe.request("GET", "/status/200")
                outcome = f"served with status {response.status}"
            except (ConnectionClosed, ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
                outcome = "closed"
            except TimeoutError:
                outcome = "left hanging (neither answered nor closed within 3 s)"
            finally:
                probe.close()
        self.assertIn(outcome, ("refused", "closed"), "a connection made during the drain was " + outcome)
        inflight.join(timeout=10)
        self.assertIsNotNone(inflight.response, inflight.error)
        self.assertEqual(inflight.response.status, 200)


class HealthTest(FaultlineTestCase):
    def test_healthz_returns_200(self):
        echo, proxy = self.echo_and_proxy()
        response = http_get(proxy.admin_port, "/healthz")
        self.assertEqual(response.status, 200, response)


class AccessLogTest(FaultlineTestCase):
    def test_access_log_writes_one_json_object_per_request(self):
        echo, proxy = self.echo_and_proxy(server={"access_log": "-"})
        requests = [("GET", "/status/201", None), ("POST", "/upload", b"x" * 300), ("GET", "/bytes/1234", None)]
        for method, target, body in requests:
            conn = HttpConnection(proxy.port)
            try:
                conn.request(method, target, body=body)
            finally:
                conn.close()

        def is_json_object(line: str) -> bool:
            try:
                return isinstance(json.loads(line), dict)
            except ValueError:
                return False

        lines = proxy.process.wait_for_lines(is_json_object, len(requests), "stdout", timeout=5)
        if len(lines) < len(requests):
            proxy.process.stop()
            late = [line for line in proxy.process.lines("stdout") if is_json_object(line)]
            self.fail(f"{len(lines)} access log lines within 5 s of {len(requests)} requests "
                      f"({len(late)} after shutdown: not flushed per line?)\n" + proxy.process.output_tail())
        records = [json.loads(line) for line in lines]
        self.assertEqual(len(records), len(requests), records)
        for record in records:
            self.assertLessEqual(ACCESS_LOG_KEYS, set(record), record)
        by_path = {record["path"]: record for record in records}
        self.assertEqual(set(by_path), {"/status/201", "/upload", "/bytes/1234"})
        self.assertEqual((by_path["/status/201"]["method"], by_path["/status/201"]["status"]), ("GET", 201))
        self.assertEqual(by_path["/status/201"]["route"], "api")
        self.assertEqual(by_path["/upload"]["method"], "POST")
        self.assertEqual(by_path["/upload"]["bytes_in"], 300)
        self.assertEqual(by_path["/bytes/1234"]["bytes_out"], 1234)
        for record in records:
            self.assertGreaterEqual(record["total_ms"] + 0.01, record["upstream_ms"], record)


if __name__ == "__main__":
    unittest.main()
