"""request_timeout is a stall timeout (README "HTTP/1.1 rules"): it bounds the wait for the
response head and any pause of a body relay, in either direction — never the body's total
time. A real stall is cut: before the response head with a 504, after it by closing the
client connection (the status is already on its way); a stalled upload by closing both
sides, so the upstream never takes half a request for a whole one.

Each test lets bytes flow for longer than request_timeout first where that matters: a
per-operation or total deadline would cut the flow, a stall timeout cuts only the pause.
"""

from __future__ import annotations

import socket
import time
import unittest

from conformance_base import ConformanceTestCase
from harness import LOOPBACK, build_request
from recording_upstream import raw_response
from timed_reader import read_timed

TIMEOUT = 2.0  # request_timeout in these tests
EARLY = 0.3  # a timer may fire a little early by the test's clock
LATE = 2.5  # and late on a loaded machine


class StallTestCase(ConformanceTestCase):
    def proxy_for(self, steps):
        upstream = self.start_recording_upstream(respond=lambda request, connection: steps)
        return upstream, self.proxy_in_front(upstream, request_timeout=f"{int(TIMEOUT * 1000)}ms")

    def open_get(self, port: int) -> socket.socket:
        sock = socket.create_connection((LOOPBACK, port), timeout=10.0)
        self.addCleanup(sock.close)
        sock.sendall(build_request("GET", "/stall"))
        return sock

    def assert_cut_about_timeout_after(self, cut_at, last_activity: float, what: str) -> None:
        self.assertIsNotNone(cut_at, f"{what}: the stalled connection was never cut")
        waited = cut_at - last_activity
        self.assertGreater(waited, TIMEOUT - EARLY,
                           f"{what}: cut {waited:.2f} s after the last byte, before request_timeout ({TIMEOUT} s)")
        self.assertLess(waited, TIMEOUT + LATE,
                        f"{what}: cut {waited:.2f} s after the last byte (request_timeout {TIMEOUT} s)")


class ResponseStallTest(StallTestCase):
    def test_no_head_within_request_timeout_is_504(self):
        upstream, proxy = self.proxy_for([30.0])
        sock = self.open_get(proxy.port)
        sent = time.monotonic()
        response = read_timed(sock, timeout=TIMEOUT + LATE + 2)
        self.assertEqual(response.status, 504, response)
        self.assertTrue(response.body.startswith(b"faultline: "), response)
        self.assert_cut_about_timeout_after(response.head_at, sent, "an upstream that never answers")

    def test_stall_after_the_head_closes_the_client_connection(self):
        head = raw_response("HTTP/1.1 200 OK", ["Content-Length: 100"])
        upstream, proxy = self.proxy_for([head, 0.1, b"abc", 30.0])
        sock = self.open_get(proxy.port)
        response = read_timed(sock, timeout=TIMEOUT + LATE + 3, until_close=True)
        self.assertEqual(response.status, 200, f"the head must be relayed before the stall: {response!r}")
        self.assertEqual(response.body, b"abc", response)
        self.assertFalse(response.complete, response)
        last_sent = upstream.connections()[0].sent_at[-1][0]
        self.assert_cut_about_timeout_after(response.closed_at, last_sent, "a response stalled after 3 body bytes")
        self.assertIsNotNone(upstream.wait_for_connection_end(0, timeout=LATE),
                             "the stalled upstream connection must be closed too")

    def test_a_body_flowing_longer_than_request_timeout_is_cut_only_when_it_stalls(self):
        head = raw_response("HTTP/1.1 200 OK", ["Content-Length: 100"])
        steps = [head] + [step for _ in range(7) for step in (0.5, b"x")] + [30.0]  # 3.5 s of bytes
        upstream, proxy = self.proxy_for(steps)
        sock = self.open_get(proxy.port)
        response = read_timed(sock, timeout=3.5 + TIMEOUT + LATE + 3, until_close=True)
        self.assertEqual(response.status, 200, f"bytes kept flowing: no 504 ({response!r})")
        self.assertEqual(response.body, b"x" * 7, f"every byte sent before the stall must arrive: {response!r}")
        last_sent = upstream.connections()[0].sent_at[-1][0]
        self.assert_cut_about_timeout_after(response.closed_at, last_sent, "a body that stalled after 3.5 s")


class UploadStallTest(StallTestCase):
    def stalled_upload(self, pieces: list, gap: float) -> None:
        upstream, proxy = self.proxy_for([raw_response("HTTP/1.1 200 OK", ["Content-Length: 2"], b"ok")])
        sock = socket.create_connection((LOOPBACK, proxy.port), timeout=10.0)
        self.addCleanup(sock.close)
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: 100\r\n\r\n")
        last_sent = time.monotonic()
        for piece in pieces:
            time.sleep(gap)
            try:
                sock.sendall(piece)
            except OSError as error:
                self.fail(f"the proxy cut an upload that was still flowing, {time.monotonic() - last_sent:.1f} s "
                          f"after the previous piece ({error!r})")
            last_sent = time.monotonic()
        response = read_timed(sock, timeout=TIMEOUT + LATE + 3, until_close=True)
        self.assert_cut_about_timeout_after(response.closed_at, last_sent, "an upload stalled at 3 bytes")
        if response.status is not None:
            self.assertIn(response.status, (408, 504), f"a stalled upload may be answered 408 or 504: {response!r}")
            self.assertTrue(response.body.startswith(b"faultline: "), response)
        self.assertEqual(upstream.requests(), [], "the upstream must never take the half upload for a whole one; "
                         + upstream.describe())
        for connection in upstream.connections():
            self.assertIsNotNone(upstream.wait_for_connection_end(connection.index, timeout=LATE),
                                 "the upstream connection of a stalled upload must be closed")

    def test_stalled_upload_is_cut_after_request_timeout(self):
        self.stalled_upload([b"abc"], gap=0.1)

    def test_an_upload_flowing_longer_than_request_timeout_is_cut_only_when_it_stalls(self):
        self.stalled_upload([b"u"] * 7, gap=0.5)  # 3.5 s of bytes, then nothing


if __name__ == "__main__":
    unittest.main()
