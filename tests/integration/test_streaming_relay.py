"""Bodies are relayed as they arrive, in both directions (README "HTTP/1.1 rules": responses
stream; timeouts are stall timeouts).

- The response head goes to the client as soon as the upstream's head is parsed, and each
  body byte as soon as it is read: a server-sent event reaches the client within 50 ms of
  leaving the upstream; a head followed by one byte every 0.5 s is not held back, and takes
  longer than request_timeout without a 504, because bytes keep flowing.
- An upload dribbled slower than request_timeout allows in total completes, and its bytes
  reach the upstream as they are sent.
- `faultline echo`'s /stream/{n}?every={ms} sends its events on schedule, and through the
  proxy they keep it.
Stalls longer than request_timeout are in test_stall_timeouts.py, faults on streamed bodies
in test_streaming_faults.py.
"""

from __future__ import annotations

import socket
import time
import unittest

from conformance_base import ConformanceTestCase
from harness import LOOPBACK, build_request, route
from recording_upstream import chunk, raw_response
from timed_reader import read_timed, sse_event_ends

EVENT_LATENCY = 0.05  # the README's promise for a server-sent event through the proxy
BYTE_LATENCY = 0.2  # for single bytes of a slow body: generous on a loaded machine
SSE_HEAD = raw_response("HTTP/1.1 200 OK", ["Content-Type: text/event-stream", "Cache-Control: no-cache",
                                             "Transfer-Encoding: chunked"])


def get(port: int, target: str, version: str = "HTTP/1.1") -> tuple:
    """Sends a GET on a fresh connection; returns (socket, monotonic time it was sent)."""
    sock = socket.create_connection((LOOPBACK, port), timeout=10.0)
    sent_at = time.monotonic()
    sock.sendall(build_request("GET", target, version=version))
    return sock, sent_at


def sse_event(index: int) -> bytes:
    return b"id: %d\ndata: {\"tick\": %d, \"pad\": \"%s\"}\n\n" % (index, index, b"p" * 40)


class EchoStreamEndpointTest(ConformanceTestCase):
    def test_stream_sends_n_events_one_every_ms(self):
        echo = self.start_echo()
        sock, _ = get(echo.port, "/stream/4?every=200")
        self.addCleanup(sock.close)
        response = read_timed(sock, timeout=5.0)
        self.assertEqual(response.status, 200, response)
        self.assertTrue(response.complete, response)
        self.assertEqual(response.header("Content-Type"), "text/event-stream")
        self.assertEqual(response.header("Transfer-Encoding"), "chunked")
        self.assertEqual(response.body, b"".join(b"id: %d\ndata: event %d of 4\n\n" % (i, i + 1) for i in range(4)))
        ends = sse_event_ends(response.body)
        for index, end in enumerate(ends):
            offset = response.time_of_body_byte(end - 1) - response.head_at
            self.assertGreater(offset, index * 0.2 - 0.02, f"event {index} came early")
            self.assertLess(offset, index * 0.2 + 0.15, f"event {index} came late")

    def test_stream_rejects_bad_parameters(self):
        echo = self.start_echo()
        for target in ("/stream/x", "/stream/5?every=soon", "/stream/2000000", "/stream/2?every=3600001"):
            with self.subTest(target):
                self.assertEqual(self.get(echo.port, target).status, 400)


class ServerSentEventsThroughProxyTest(ConformanceTestCase):
    def test_each_event_reaches_the_client_within_50ms_of_leaving_the_upstream(self):
        steps = [SSE_HEAD]
        for index in range(6):
            steps += [0.2, chunk(sse_event(index))]
        steps += [0.2, b"0\r\n\r\n"]
        upstream = self.start_recording_upstream(respond=lambda request, connection: steps)
        proxy = self.proxy_in_front(upstream, request_timeout="3s")
        sock, _ = get(proxy.port, "/events")
        self.addCleanup(sock.close)
        response = read_timed(sock, timeout=10.0)
        self.assertEqual(response.status, 200, response)
        self.assertTrue(response.complete, response)
        self.assertEqual(response.body, b"".join(sse_event(i) for i in range(6)))
        sent = upstream.connections()[0].sent_at  # head, 6 events, last chunk
        late = []
        head_delay = response.head_at - sent[0][0]
        if head_delay > EVENT_LATENCY:
            late.append(f"head: {head_delay * 1000:.0f} ms")
        for index, end in enumerate(sse_event_ends(response.body)):
            delay = response.time_of_body_byte(end - 1) - sent[index + 1][0]
            if delay > EVENT_LATENCY:
                late.append(f"event {index}: {delay * 1000:.0f} ms")
        self.assertEqual(late, [], f"each part must reach the client within {EVENT_LATENCY * 1000:.0f} ms "
                         "of leaving the upstream")

    def test_echo_stream_keeps_its_schedule_through_the_proxy(self):
        echo = self.start_echo()
        proxy = self.start_proxy([route("echo", echo.port, "/")])
        sock, _ = get(proxy.port, "/stream/5?every=200")
        self.addCleanup(sock.close)
        response = read_timed(sock, timeout=10.0)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header("Content-Type"), "text/event-stream")
        ends = sse_event_ends(response.body)
        self.assertEqual(len(ends), 5, response)
        offsets = [round((response.time_of_body_byte(end - 1) - response.head_at) * 1000) for end in ends]
        expected = [index * 200 for index in range(5)]
        off = [(got, want) for got, want in zip(offsets, expected) if abs(got - want) > EVENT_LATENCY * 1000]
        self.assertEqual(off, [], f"event arrival after the head (ms) {offsets}, scheduled {expected}: "
                         "each event must be relayed as the echo sends it")


class SlowDownloadTest(ConformanceTestCase):
    def test_head_then_a_byte_every_half_second_streams_without_504(self):
        steps = [raw_response("HTTP/1.1 200 OK", ["Content-Length: 10", "Content-Type: text/plain"])]
        for index in range(10):
            steps += [0.5, b"%d" % index]
        upstream = self.start_recording_upstream(respond=lambda request, connection: steps)
        proxy = self.proxy_in_front(upstream, request_timeout="3s")
        sock, _ = get(proxy.port, "/slow")
        self.addCleanup(sock.close)
        response = read_timed(sock, timeout=12.0)
        self.assertEqual(response.status, 200, f"bytes flow all the time: no 504 ({response!r})")
        self.assertEqual(response.body, b"0123456789", response)
        sent = upstream.connections()[0].sent_at
        self.assertLess(response.head_at, sent[1][0],
                        "the head must reach the client before the upstream sends the first body byte")
        late = [f"byte {index}: {(response.time_of_body_byte(index) - sent[index + 1][0]) * 1000:.0f} ms"
                for index in range(10) if response.time_of_body_byte(index) - sent[index + 1][0] > BYTE_LATENCY]
        self.assertEqual(late, [], "each byte must be relayed as it arrives")


class SlowUploadTest(ConformanceTestCase):
    def upload(self, port: int, body: bytes, piece_size: int, gap: float) -> tuple:
        """Sends a POST with body in pieces gap seconds apart; returns (response, send times)."""
        sock = socket.create_connection((LOOPBACK, port), timeout=10.0)
        self.addCleanup(sock.close)
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: %d\r\n\r\n" % len(body))
        started = time.monotonic()
        sent_at = []
        for start in range(0, len(body), piece_size):
            time.sleep(gap)
            try:
                sock.sendall(body[start:start + piece_size])
            except OSError as error:
                response = read_timed(sock, timeout=1.0)
                self.fail(f"the proxy cut the upload {time.monotonic() - started:.1f} s in, after {start} of "
                          f"{len(body)} bytes ({error!r}); it answered {response!r}")
            sent_at.append(time.monotonic())
        return read_timed(sock, timeout=10.0), sent_at

    def check_upload(self, body: bytes, piece_size: int, gap: float) -> None:
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, request_timeout="3s")
        response, sent_at = self.upload(proxy.port, body, piece_size, gap)
        self.assertEqual(response.status, 200, f"an upload that never pauses for request_timeout must "
                         f"complete ({len(body)} bytes over {sent_at[-1] - sent_at[0]:.1f} s): {response!r}")
        requests = upstream.wait_for_requests(1)
        self.assertEqual(len(requests), 1, upstream.describe())
        self.assertEqual(requests[0].body, body)
        first_at_upstream = upstream.connections()[0].first_byte_at(len(requests[0].raw_head))
        self.assertLess(first_at_upstream - sent_at[0], 1.0,
                        "the first piece of the upload must reach the upstream as it is sent, "
                        f"not {first_at_upstream - sent_at[0]:.1f} s later")

    def test_eight_bytes_at_one_byte_per_half_second_complete(self):
        self.check_upload(b"8 bytes!", piece_size=1, gap=0.5)

    def test_100_kib_at_16_kib_per_second_completes(self):
        self.check_upload(bytes(range(256)) * 400, piece_size=1024, gap=1 / 16)


if __name__ == "__main__":
    unittest.main()
