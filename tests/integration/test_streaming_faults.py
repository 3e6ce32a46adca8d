"""Injected faults keep working on streamed bodies, and a streamed body stays streamed under
them (README fault actions; "HTTP/1.1 rules": responses stream).

The upstream is a Python server-sent-event source with timestamps on every send; each test
checks the fault's own effect (the delay, the pace, the cut, the flipped bytes) and that the
bytes it lets through are not held back until the upstream's end.
"""

from __future__ import annotations

import socket
import time
import unittest

from conformance_base import ConformanceTestCase
from harness import LOOPBACK, ProxyServer, build_request, render_config, route
from recording_upstream import chunk, raw_response
from test_fault_actions import faults_toml
from timed_reader import read_timed, sse_event_ends

INJECTED = "x-faultline-injected"
EVENT_LATENCY = 0.05
EARLY = 0.03  # a timer may fire this much early by the test's clock
EVENTS = 8
GAP = 0.15  # seconds between the upstream's events
SSE_HEAD = raw_response("HTTP/1.1 200 OK", ["Content-Type: text/event-stream", "Transfer-Encoding: chunked"])


def sse_event(index: int) -> bytes:
    return b"id: %d\ndata: {\"tick\": %d, \"pad\": \"%s\"}\n\n" % (index, index, b"p" * 40)


STREAM = b"".join(sse_event(i) for i in range(EVENTS))


def sse_steps(pieces=None, gap: float = GAP) -> list:
    steps = [SSE_HEAD]
    for piece in pieces if pieces is not None else [sse_event(i) for i in range(EVENTS)]:
        steps += [gap, chunk(piece)]
    return steps + [gap, b"0\r\n\r\n"]


class StreamingFaultTest(ConformanceTestCase):
    def faulted_stream(self, rule: dict, steps=None):
        """A recording SSE upstream behind a proxy whose active profile has this one rule;
        returns (upstream, response read until close or complete, time the request was sent)."""
        steps = steps or sse_steps()
        upstream = self.start_recording_upstream(respond=lambda request, connection: steps)
        text = render_config([route("api", upstream.port, "/", request_timeout="5s")]) + "\n" + faults_toml([rule])
        proxy = ProxyServer(self.write_file("faultline.toml", text))
        self.addCleanup(self._check_stopped, proxy.process, True)
        sock = socket.create_connection((LOOPBACK, proxy.port), timeout=10.0)
        self.addCleanup(sock.close)
        sent_at = time.monotonic()
        sock.sendall(build_request("GET", "/events"))
        return upstream, read_timed(sock, timeout=15.0, until_close="truncate" in rule), sent_at

    def assert_streamed_after(self, upstream, response, first_event: int, what: str) -> None:
        """From event first_event on, each event that arrived did so within EVENT_LATENCY of
        leaving the upstream."""
        sent = upstream.connections()[0].sent_at  # head, events..., last chunk
        late = []
        for index, end in enumerate(sse_event_ends(response.body)):
            if index < first_event:
                continue
            delay = response.time_of_body_byte(end - 1) - sent[index + 1][0]
            if delay > EVENT_LATENCY:
                late.append(f"event {index}: {delay * 1000:.0f} ms")
        self.assertEqual(late, [], f"{what}: the events must still stream")

    def test_request_delay_holds_the_request_then_the_events_stream(self):
        upstream, response, sent_at = self.faulted_stream({"name": '"slow start"', "delay": '"300ms"'})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header(INJECTED), "slow start")
        self.assertEqual(response.body, STREAM)
        arrived = upstream.connections()[0].first_byte_at(0)
        self.assertGreaterEqual(arrived - sent_at, 0.3 - EARLY, "the delay holds the request back")
        self.assert_streamed_after(upstream, response, 0, "after a request-phase delay")

    def test_response_delay_holds_the_head_then_the_events_stream(self):
        rule = {"name": '"slow answer"', "delay": '{ distribution = "fixed", value = "400ms", phase = "response" }'}
        upstream, response, _ = self.faulted_stream(rule)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, STREAM)
        head_sent = upstream.connections()[0].sent_at[0][0]
        self.assertGreaterEqual(response.head_at - head_sent, 0.4 - EARLY, "the delay holds the response back")
        # Events sent during the delay come out with the head; later ones stream again.
        self.assert_streamed_after(upstream, response, int(0.4 / GAP) + 2, "after a response-phase delay")

    def test_throttle_paces_a_streamed_body_without_holding_it_back(self):
        pieces = [bytes([65 + i]) * 2048 for i in range(8)]  # 16 KiB over 0.8 s
        rule = {"name": '"thin pipe"', "throttle": "{ bytes_per_second = 8192 }"}
        upstream, response, _ = self.faulted_stream(rule, steps=sse_steps(pieces, gap=0.1))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"".join(pieces), "the throttled body must be intact")
        took = response.time_of_body_byte(len(response.body) - 1) - response.head_at
        self.assertGreaterEqual(took, 1.4, f"16 KiB at 8 KiB/s takes about 2 s, not {took:.2f} s")
        last_sent = upstream.connections()[0].sent_at[-1][0]
        first_byte = response.time_of_body_byte(0)
        self.assertLess(first_byte, last_sent,
                        f"the first bytes must arrive while the upstream still sends, not "
                        f"{first_byte - last_sent:.2f} s after its end")

    def test_truncate_cuts_a_streamed_body_after_its_bytes(self):
        cut = len(sse_event(0)) + len(sse_event(1)) + 10
        upstream, response, _ = self.faulted_stream({"name": '"cut"', "truncate": f"{{ after_bytes = {cut} }}"})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header(INJECTED), "cut")
        self.assertIsNotNone(response.closed_at, f"the connection must close after the cut: {response!r}")
        self.assertEqual(response.body, STREAM[:cut], "exactly after_bytes bytes of the stream")
        self.assertFalse(response.complete, "a truncated body must not look complete")
        self.assert_streamed_after(upstream, response, 0, "before the cut")

    def test_corrupt_flips_bytes_of_a_streamed_body(self):
        upstream, response, _ = self.faulted_stream({"name": '"bitrot"', "corrupt": "{ bytes = 3 }"})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header(INJECTED), "bitrot")
        self.assertEqual(len(response.body), len(STREAM), "corrupt keeps the length")
        flipped = [i for i in range(len(STREAM)) if response.body[i] != STREAM[i]]
        self.assertTrue(1 <= len(flipped) <= 3, f"1 to 3 bytes differ, got {flipped}")
        # Timing by byte count (a flipped byte may hide an event boundary).
        sent = upstream.connections()[0].sent_at
        offset, late = 0, []
        for index in range(EVENTS):
            offset += len(sse_event(index))
            delay = response.time_of_body_byte(offset - 1) - sent[index + 1][0]
            if delay > EVENT_LATENCY:
                late.append(f"event {index}: {delay * 1000:.0f} ms")
        self.assertEqual(late, [], "a corrupted stream must still stream")


if __name__ == "__main__":
    unittest.main()
