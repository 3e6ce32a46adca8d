"""Checks of the conformance and streaming helpers themselves (recording_upstream.py,
conformance_base.py, timed_reader.py), without the faultline binary: the client talks
straight to the recording upstream.

Run: python3 -m unittest -v selftest_conformance_helpers   (not collected by ctest)."""

import socket
import time
import unittest

from conformance_base import exchange
from harness import LOOPBACK, simple_response
from recording_upstream import CLOSE, RecordingUpstream, chunk, raw_response
from timed_reader import read_timed, sse_event_ends


class RecordingUpstreamTest(unittest.TestCase):
    def start(self, respond=None) -> RecordingUpstream:
        upstream = RecordingUpstream(respond=respond)
        self.addCleanup(upstream.close)
        return upstream

    def test_records_exact_bytes_and_parses_requests(self):
        upstream = self.start()
        data = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        result = exchange(upstream.port, data, "POST", close_wait=0.2)
        self.assertEqual(result.status, 200)
        upstream.wait_for_requests(2)
        self.assertEqual(upstream.all_bytes(), data)
        self.assertEqual([(r.target, r.body) for r in upstream.requests()], [("/a", b"hello"), ("/b", b"")])
        self.assertEqual(upstream.connections()[0].unparsed(), b"")
        self.assertIsNotNone(upstream.connections()[0].first_byte_at(0))

    def test_a_bad_request_is_kept_raw_after_the_good_ones(self):
        upstream = self.start()
        data = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n"
        sock = socket.create_connection((LOOPBACK, upstream.port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(data)
        upstream.wait_for_requests(1)
        time.sleep(0.2)
        connection = upstream.connections()[0]
        self.assertEqual(len(connection.requests), 1)
        self.assertEqual(connection.unparsed(), b"NOT HTTP AT ALL\r\n\r\n")
        self.assertIsNotNone(connection.parse_error)

    def test_scripted_steps_are_timestamped_and_close_ends_the_connection(self):
        steps = [raw_response("HTTP/1.1 200 OK", ["Content-Length: 2"]), 0.3, b"ok", CLOSE]
        upstream = self.start(lambda request, connection: steps)
        sock = socket.create_connection((LOOPBACK, upstream.port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_timed(sock, timeout=5, until_close=True)
        self.assertEqual((response.status, response.body, response.complete), (200, b"ok", True))
        self.assertIsNotNone(response.closed_at)
        sent = upstream.connections()[0].sent_at
        self.assertEqual(len(sent), 2)
        self.assertGreaterEqual(sent[1][0] - sent[0][0], 0.29)
        self.assertLess(abs(response.time_of_body_byte(0) - sent[1][0]), 0.1)
        self.assertGreater(response.time_of_body_byte(0) - response.head_at, 0.2)

    def test_a_peer_closing_during_a_scripted_pause_is_seen(self):
        upstream = self.start(lambda request, connection: [raw_response("HTTP/1.1 200 OK", ["Content-Length: 9"]), 30.0])
        sock = socket.create_connection((LOOPBACK, upstream.port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        read_timed(sock, timeout=0.3)
        closed = time.monotonic()
        sock.close()
        eof = upstream.wait_for_connection_end(0, timeout=2.0)
        self.assertIsNotNone(eof)
        self.assertLess(eof - closed, 0.5)

    def test_nothing_received_without_traffic(self):
        upstream = self.start()
        self.assertEqual(upstream.all_bytes(), b"")
        self.assertEqual(upstream.describe(), "the upstream accepted no connection")


class ExchangeTest(unittest.TestCase):
    def test_interims_are_kept_and_the_close_is_seen(self):
        answer = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                  + simple_response(b"done", headers=[("Connection", "close")]))
        upstream = RecordingUpstream(respond=lambda request, connection: [answer, CLOSE])
        self.addCleanup(upstream.close)
        result = exchange(upstream.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual([status for status, _ in result.interims], [100, 103])
        self.assertEqual((result.status, result.response.body, result.closed_after), (200, b"done", True))

    def test_no_response_is_an_error_not_an_exception(self):
        upstream = RecordingUpstream(respond=lambda request, connection: [CLOSE])
        self.addCleanup(upstream.close)
        result = exchange(upstream.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIsNone(result.response)
        self.assertIn("without a response", result.error)


class TimedReaderTest(unittest.TestCase):
    def test_chunked_body_bytes_map_to_their_arrival(self):
        events = [b"id: 0\ndata: a\n\n", b"id: 1\ndata: b\n\n"]
        steps = [raw_response("HTTP/1.1 200 OK", ["Transfer-Encoding: chunked"]), 0.2, chunk(events[0], b";x=1"),
                 0.2, chunk(events[1]), b"0\r\n\r\n"]
        upstream = RecordingUpstream(respond=lambda request, connection: steps)
        self.addCleanup(upstream.close)
        sock = socket.create_connection((LOOPBACK, upstream.port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_timed(sock, timeout=5)
        self.assertTrue(response.complete)
        self.assertEqual(response.body, b"".join(events))
        ends = sse_event_ends(response.body)
        self.assertEqual(ends, [len(events[0]), len(events[0]) + len(events[1])])
        gap = response.time_of_body_byte(ends[1] - 1) - response.time_of_body_byte(ends[0] - 1)
        self.assertGreater(gap, 0.15)
        self.assertIsNone(response.time_of_body_byte(ends[1]))


if __name__ == "__main__":
    unittest.main()
