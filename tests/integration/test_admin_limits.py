"""The admin listener keeps the data path's limits (README "HTTP/1.1 rules", "Admin API"):
a header timeout (half-sent requests are closed after server.header_timeout, however slowly
they dribble), max_header_bytes on the head (431), a body cap (413, an answer rather than
a silent close), and answers that never echo unbounded input back."""

from __future__ import annotations

import json
import socket
import time
import unittest

from conformance_base import ConformanceTestCase, Exchange, StreamingSender, exchange, read_one_response
from harness import LOOPBACK, MiB, HttpConnection, SocketReader, route
from test_http_limits import head_of_size

HEADER_TIMEOUT = 1.0
CLOSE_MARGIN = 3.0  # a loaded machine; the old behaviour was a 30 s timeout
HALF_SENT = 20
OVERSIZED_BODY = 4 * MiB  # beyond any sane admin body cap (the API takes small JSON bodies)


def healthz_head_of_size(total: int) -> bytes:
    """A GET /healthz head of exactly total bytes (CRLFs included)."""
    longer = len(b"/healthz") - len(b"/x")
    data = head_of_size(total - longer, "one long field").replace(b"GET /x ", b"GET /healthz ")
    assert len(data) == total, (len(data), total)
    return data


class AdminLimitsTest(ConformanceTestCase):
    def start(self, **server):
        upstream = self.start_recording_upstream()
        server = {"header_timeout": f"{int(HEADER_TIMEOUT * 1000)}ms", **server}
        return self.proxy_in_front(upstream, server=server)

    def test_half_sent_requests_are_closed_after_header_timeout(self):
        proxy = self.start()
        connections = []
        for _ in range(HALF_SENT):
            conn = self.connect(proxy.admin_port, timeout=10.0)
            conn.send(b"GET /healthz HTTP/1.1\r\nHost: admin.test\r\nX-Par")
            connections.append(conn)
        started = time.monotonic()
        still_open = []
        for index, conn in enumerate(connections):
            remaining = max(0.1, started + HEADER_TIMEOUT + CLOSE_MARGIN - time.monotonic())
            closed, _, _ = conn.wait_for_close(remaining)
            if not closed:
                still_open.append(index)
        self.assertEqual(still_open, [], f"half-sent admin requests still open "
                         f"{HEADER_TIMEOUT + CLOSE_MARGIN:.0f} s after they started (header_timeout {HEADER_TIMEOUT} s)")
        # The listener still serves once the half-sent ones are gone.
        self.assertEqual(self.get(proxy.admin_port, "/healthz").status, 200)

    def test_dribbled_request_is_closed_after_header_timeout_not_per_byte(self):
        proxy = self.start()
        conn = self.connect(proxy.admin_port, timeout=10.0)
        head = b"GET /healthz HTTP/1.1\r\nHost: admin.test\r\nX-Slow: " + b"s" * 40
        started = time.monotonic()
        closed_at = None
        for byte in head:  # one byte every 0.2 s, until cut or well past the timeout
            if time.monotonic() - started > HEADER_TIMEOUT + CLOSE_MARGIN + 1.0:
                break
            try:
                conn.send(bytes([byte]))
            except OSError:
                closed_at = time.monotonic()
                break
            closed, _, _ = conn.wait_for_close(0.2)
            if closed:
                closed_at = time.monotonic()
                break
        self.assertIsNotNone(closed_at, f"a head dribbled a byte every 0.2 s was still open after {time.monotonic() - started:.1f} s "
                             f"(header_timeout {HEADER_TIMEOUT} s)")
        self.assertLess(closed_at - started, HEADER_TIMEOUT + CLOSE_MARGIN,
                        "header_timeout bounds the whole head, not each byte")

    def test_head_over_max_header_bytes_is_431(self):
        proxy = self.start(max_header_bytes=4096)
        result = exchange(proxy.admin_port, healthz_head_of_size(4097))
        self.assertIsNotNone(result.response, f"the admin listener must answer an oversized head: {result!r}")
        self.assertEqual(result.status, 431, result)
        within = exchange(proxy.admin_port, healthz_head_of_size(4096), close_wait=0.0)
        self.assertEqual(within.status, 200, f"a head of exactly max_header_bytes must pass: {within!r}")

    def oversized_put(self, port: int, chunked: bool) -> Exchange:
        sock = socket.create_connection((LOOPBACK, port), timeout=10.0)
        self.addCleanup(sock.close)
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % OVERSIZED_BODY
        head = (b"PUT /api/v1/profiles/active HTTP/1.1\r\nHost: admin.test\r\n"
                b"Content-Type: application/json\r\n" + framing + b"\r\n\r\n")
        piece = b" " * (64 * 1024)
        pieces = [b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                  for _ in range(OVERSIZED_BODY // len(piece))]
        sender = StreamingSender(sock, [head] + pieces + ([b"0\r\n\r\n"] if chunked else [])).start()
        result = Exchange()
        try:
            result.response = read_one_response(SocketReader(sock), "PUT", result)
        except Exception as error:  # reported through result.error
            result.error = f"{type(error).__name__}: {error}"
        sender.join(20.0)
        return result

    def test_body_over_the_cap_is_413(self):
        proxy = self.start()
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                result = self.oversized_put(proxy.admin_port, chunked)
                self.assertIsNotNone(result.response,
                                     f"a {OVERSIZED_BODY // MiB} MiB admin body must get 413, not a bare close: {result!r}")
                self.assertEqual(result.status, 413, result)

    def test_huge_profile_name_is_not_echoed_back(self):
        proxy = self.start()
        name = "n" * 500_000
        conn = HttpConnection(proxy.admin_port, timeout=10.0)
        self.addCleanup(conn.close)
        response = conn.request("PUT", "/api/v1/profiles/active", [("Content-Type", "application/json")],
                                json.dumps({"name": name}).encode())
        self.assertIn(response.status, (400, 404), response)
        self.assertLess(len(response.body), 4096,
                        f"the answer to a 500 KB profile name must not echo it: {len(response.body)} bytes")


if __name__ == "__main__":
    unittest.main()
