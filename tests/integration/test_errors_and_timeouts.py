"""What the proxy answers when the client or the upstream misbehaves, and its timeouts.

Timing bounds: lower bounds are tight (a timeout must not fire early), upper bounds are
loose (a 2-core shared machine, and the same tests under ASan run about 3x slower)."""

import socket
import time
import unittest

from harness import FaultlineTestCase, closed_port, http_get, route


class ClientErrorTest(FaultlineTestCase):
    def test_malformed_request_returns_400(self):
        echo, proxy = self.echo_and_proxy()
        malformed = {
            "header without colon": b"GET / HTTP/1.1\r\nHost: faultline.test\r\nthis line has no colon\r\n\r\n",
            "garbage request line": b"GARBAGE\r\n\r\n",
            "bad content-length": b"POST / HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: abc\r\n\r\n",
        }
        for case, raw in malformed.items():
            with self.subTest(case=case):
                conn = self.connect(proxy.port)
                conn.send(raw)
                response = conn.read_response()
                self.assertEqual(response.status, 400, response)
                self.assertTrue(response.body.startswith(b"faultline:"), response.body)

    def test_header_over_limit_returns_431(self):
        echo, proxy = self.echo_and_proxy(server={"max_header_bytes": 16384})
        below = http_get(proxy.port, "/", headers=[("X-Big", "a" * 8000)])
        self.assertEqual(below.status, 200, "an 8 KB header is within the 16 KiB limit")
        conn = self.connect(proxy.port)
        conn.send(b"GET / HTTP/1.1\r\nHost: faultline.test\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        response = conn.read_response()
        self.assertEqual(response.status, 431, response)

    def test_body_over_limit_returns_413(self):
        echo, proxy = self.echo_and_proxy(server={"max_body_bytes": "1KiB"})
        within = self.connect(proxy.port).request("POST", "/upload", body=b"x" * 1000)
        self.assertEqual((within.status, within.body), (200, b"x" * 1000))
        conn = self.connect(proxy.port)
        # Only the head: a Content-Length over the limit is refused without reading the body.
        conn.send(b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: 2048\r\n\r\n")
        response = conn.read_response("POST")
        self.assertEqual(response.status, 413, response)


class UpstreamErrorTest(FaultlineTestCase):
    def test_upstream_refused_returns_502(self):
        proxy = self.start_proxy([route("down", closed_port(), "/")])
        started = time.monotonic()
        response = http_get(proxy.port, "/anything")
        self.assertEqual(response.status, 502, response)
        self.assertLess(time.monotonic() - started, 5.0)

    def test_upstream_closing_without_answer_returns_502(self):
        upstream = self.start_fake_upstream(name="mute", close_without_answer=True)
        proxy = self.start_proxy([route("mute", upstream.port, "/")])
        response = http_get(proxy.port, "/anything", timeout=15)
        self.assertEqual(response.status, 502, response)
        self.assertGreaterEqual(len(upstream.received()), 1, "the request must have reached the upstream")

    def test_slow_upstream_returns_504(self):
        echo, proxy = self.echo_and_proxy(request_timeout="300ms")
        started = time.monotonic()
        response = http_get(proxy.port, "/delay/2000", timeout=15)
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 504, response)
        self.assertGreaterEqual(elapsed, 0.28, "504 before request_timeout elapsed")
        self.assertLess(elapsed, 1.9, "504 must come at request_timeout, not when the upstream answers")


class ClientTimeoutTest(FaultlineTestCase):
    def test_stalled_request_header_is_closed_after_header_timeout(self):
        echo, proxy = self.echo_and_proxy(server={"header_timeout": "500ms", "idle_timeout": "30s"})
        conn = self.connect(proxy.port)
        conn.send(b"GET / HTTP/1.1\r\nHost: faultline.test\r\nX-Half")
        closed, waited, _ = conn.wait_for_close(timeout=6)
        self.assertTrue(closed, "a half-sent header was kept open for 6 s with header_timeout = 500ms")
        self.assertGreaterEqual(waited, 0.4)
        self.assertLessEqual(waited, 3.0)

    def test_dribbled_request_header_is_closed_after_header_timeout(self):
        # Slowloris: one byte every 100 ms keeps a per-read timer alive, not a whole-header one.
        echo, proxy = self.echo_and_proxy(server={"header_timeout": "500ms", "idle_timeout": "30s"})
        conn = self.connect(proxy.port)
        conn.send(b"GET / HTTP/1.1\r\nHost: faultline.test\r\n")
        started = time.monotonic()
        conn.sock.settimeout(0.1)
        closed_after = None
        for _ in range(60):  # at most ~6 s
            try:
                if conn.sock.recv(65536) == b"":
                    closed_after = time.monotonic() - started
                    break
                continue  # an error response: keep reading until the close
            except socket.timeout:
                pass
            except (ConnectionResetError, ConnectionAbortedError):
                closed_after = time.monotonic() - started
                break
            try:
                conn.sock.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
        self.assertIsNotNone(closed_after, "a header dribbled for 6 s was never cut off (header_timeout = 500ms)")
        self.assertGreaterEqual(closed_after, 0.4)
        self.assertLessEqual(closed_after, 3.0)

    def test_idle_client_connection_is_closed_after_idle_timeout(self):
        echo, proxy = self.echo_and_proxy(server={"idle_timeout": "600ms", "header_timeout": "10s"})
        conn = self.connect(proxy.port)
        response = conn.request("GET", "/")
        self.assertEqual(response.status, 200, response)
        closed, waited, extra = conn.wait_for_close(timeout=8)
        self.assertTrue(closed, "an idle keep-alive connection outlived idle_timeout = 600ms by 8 s")
        self.assertGreaterEqual(waited, 0.5)
        self.assertLessEqual(waited, 4.0)

    def test_slow_response_is_not_cut_by_idle_timeout(self):
        echo, proxy = self.echo_and_proxy(server={"idle_timeout": "500ms"})
        conn = self.connect(proxy.port)
        response = conn.request("GET", "/delay/1200")
        self.assertEqual((response.status, response.body), (200, b"ok"))
        again = conn.request("GET", "/")
        self.assertEqual(again.status, 200, "the connection must still serve after a long request")


if __name__ == "__main__":
    unittest.main()
