"""Sized bodies that no fault touches go from socket to socket through a pipe (splice(2)),
in both directions; everything the copying relay promises still holds for them.

- A large response reaches a client that reads slowly byte for byte, and the worker keeps
  the pipe it used for the next body (the proof that the body went through one).
- A body a fault acts on is copied (its pipe count does not move) and the fault holds.
- A sized upload reaches the upstream exactly, and the request the client pipelined right
  after it stays a request of its own: the relay moves exactly Content-Length bytes.
- An upstream that closes mid-body cuts the client's connection, and the pipe that still
  held bytes is not reused: the next response is intact.
Streaming and stall timeouts on sized bodies are in test_streaming_relay.py and
test_stall_timeouts.py, which now run over this path as well.
"""

from __future__ import annotations

import os
import random
import socket
import time
import unittest

from conformance_base import EXCHANGE_TIMEOUT, ConformanceTestCase
from harness import LOOPBACK, ConnectionClosed, ProxyServer, SocketReader, build_request, read_response, render_config, route
from recording_upstream import CLOSE, raw_response
from test_fault_actions import faults_toml

BODY_SIZE = 4 << 20


def pipe_count(pid: int) -> int:
    """The process's open pipe ends (its stdout and stderr, to the harness, among them)."""
    count = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{name}").startswith("pipe:")
        except OSError:
            pass  # closed meanwhile
    return count


def random_body(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def sized_answer(body: bytes) -> bytes:
    return raw_response("HTTP/1.1 200 OK", [f"Content-Length: {len(body)}",
                                            "Content-Type: application/octet-stream"], body)


class SlowSink:
    """Collects a body with a pause after every piece, so the proxy's sends keep filling
    the client's (small) socket buffer and waiting for room."""

    def __init__(self, pause: float = 0.0005):
        self.data = bytearray()
        self.pause = pause

    def __call__(self, piece) -> None:
        self.data += piece
        time.sleep(self.pause)


def slow_client(port: int) -> tuple:
    """A connection with a 16 KiB receive buffer; returns (socket, reader)."""
    sock = socket.create_connection((LOOPBACK, port), timeout=EXCHANGE_TIMEOUT)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    return sock, SocketReader(sock, recv_size=16384)


class SplicedResponseTest(ConformanceTestCase):
    def test_large_body_reaches_a_slow_client_intact_through_a_pipe(self):
        body = random_body(BODY_SIZE, 1)
        upstream = self.start_recording_upstream(respond=lambda request, connection: sized_answer(body))
        proxy = self.proxy_in_front(upstream, server={"threads": 1}, request_timeout="5s")
        before = pipe_count(proxy.pid)
        sock, reader = slow_client(proxy.port)
        self.addCleanup(sock.close)
        sock.sendall(build_request("GET", "/large"))
        sink = SlowSink()
        response = read_response(reader, sink=sink)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(len(sink.data), BODY_SIZE, "the whole body must arrive")
        self.assertTrue(sink.data == body, "the body must arrive byte for byte")
        self.assertEqual(pipe_count(proxy.pid) - before, 2,
                         "the worker keeps the pipe the body went through for the next one")
        # The connection stays usable: a second body over the same connection, with the kept pipe.
        sock.sendall(build_request("GET", "/again"))
        again = read_response(reader)
        self.assertTrue(again.body == body, "the second body over the kept pipe must be intact")
        self.assertEqual(pipe_count(proxy.pid) - before, 2, "the kept pipe is reused, not a new one opened")

    def test_a_body_a_fault_acts_on_is_copied_and_the_fault_holds(self):
        body = random_body(200_000, 2)
        upstream = self.start_recording_upstream(respond=lambda request, connection: sized_answer(body))
        text = render_config([route("api", upstream.port, "/")], server={"threads": 1}) + "\n" + faults_toml(
            [{"name": '"bitrot"', "corrupt": "{ bytes = 3 }"}])
        proxy = ProxyServer(self.write_file("faultline.toml", text))
        self.addCleanup(self._check_stopped, proxy.process, True)
        before = pipe_count(proxy.pid)
        response = self.get(proxy.port, "/corrupted")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(len(response.body), len(body))
        flipped = sum(1 for got, sent in zip(response.body, body) if got != sent)
        self.assertEqual(flipped, 3, "corrupt flips exactly its bytes, so the body cannot have been spliced")
        self.assertEqual(pipe_count(proxy.pid), before, "no pipe is opened for a body a fault acts on")

    def test_upstream_closing_mid_body_cuts_the_client_and_the_next_body_is_intact(self):
        body = random_body(BODY_SIZE, 3)
        answers = iter([[sized_answer(body)[:BODY_SIZE // 2], CLOSE], sized_answer(body)])
        upstream = self.start_recording_upstream(respond=lambda request, connection: next(answers))
        proxy = self.proxy_in_front(upstream, server={"threads": 1}, request_timeout="5s")
        sock, reader = slow_client(proxy.port)
        self.addCleanup(sock.close)
        sock.sendall(build_request("GET", "/cut"))
        time.sleep(0.3)  # the upstream has closed while the pipe may still hold bytes
        sink = SlowSink()
        with self.assertRaises(ConnectionClosed, msg="the client's connection must close under the cut body"):
            read_response(reader, sink=sink)
        head_size = len(sized_answer(body)) - BODY_SIZE
        self.assertEqual(len(sink.data), BODY_SIZE // 2 - head_size,
                         "every body byte the upstream sent reaches the client")
        again = self.get(proxy.port, "/next")
        self.assertTrue(again.body == body, "the next body must be intact (no bytes left over in a pipe)")


class SplicedUploadTest(ConformanceTestCase):
    def test_sized_upload_arrives_exactly_and_the_pipelined_request_after_it_stays_its_own(self):
        body = random_body(BODY_SIZE, 4)
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, server={"threads": 1}, request_timeout="5s")
        before = pipe_count(proxy.pid)
        sock = socket.create_connection((LOOPBACK, proxy.port), timeout=EXCHANGE_TIMEOUT)
        self.addCleanup(sock.close)
        head = b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: %d\r\n\r\n" % len(body)
        sock.sendall(head[:-2])
        time.sleep(0.1)  # the head alone first, so the body is read off the socket, not with it
        sock.sendall(b"\r\n" + body + build_request("GET", "/after"))
        reader = SocketReader(sock)
        first = read_response(reader)
        second = read_response(reader)
        self.assertEqual((first.status, second.status), (200, 200), (first, second))
        requests = upstream.wait_for_requests(2)
        self.assertEqual([(r.method, r.target) for r in requests], [("POST", "/upload"), ("GET", "/after")],
                         upstream.describe())
        self.assertTrue(requests[0].body == body, "the upload must reach the upstream byte for byte")
        self.assertEqual(requests[1].body, b"")
        self.assertEqual(pipe_count(proxy.pid) - before, 2, "the upload went through the worker's pipe")


if __name__ == "__main__":
    unittest.main()
