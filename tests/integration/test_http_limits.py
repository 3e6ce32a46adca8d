"""max_header_bytes, counted exactly, and bounded memory against hostile heads, chunk lines
and trailers (README "HTTP/1.1 rules"; RFC 9112 §7.1.1 chunk extensions, §7.1.2 trailers).

What max_header_bytes counts: the whole request head as it is on the wire — the request
line with its CRLF, every field line with its CRLF, and the CRLF of the empty line that
ends the head. A head of exactly max_header_bytes bytes is forwarded; one byte more is 431,
however the head is shaped (one long field, a long target, many fields) and however it
arrives (one write, or in pieces). Before this rule the limit went to Beast's header_limit,
which leaves the request line and the first field line uncounted: with the default 16,384,
a 16,423-byte head "GET /x HTTP/1.1" + "Host: faultline.test" + one padding field passed.

Chunk extensions and trailer sections are held to max_header_bytes too, before they are
buffered: a client sending a 64 MiB chunk-extension line (or trailer, or header line) gets
400 or 431 while it is still sending, and the proxy's resident memory does not follow.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import unittest

from conformance_base import ConformanceTestCase, StreamingSender, exchange, read_one_response, Exchange
from harness import LOOPBACK, MiB, RssSampler, SocketReader, first_header

LIMIT = 16384
HOSTILE_BYTES = 64 * MiB
HOSTILE_CONNECTIONS = 4
EARLY_BYTES = 16 * MiB  # the refusal must come before the client sent this much (kernel buffers)
# Growth of the proxy's RSS while refusing; ASan's allocator and quarantine add their own.
RSS_GROWTH_LIMIT = (32 if "ASAN_OPTIONS" in os.environ else 8) * MiB


def head_of_size(total: int, shape: str) -> bytes:
    """A GET head of exactly total bytes (request line to the empty line, CRLFs included)."""
    if shape == "one long field":
        base, fields = "GET /x HTTP/1.1\r\nHost: faultline.test\r\n", []
    elif shape == "long target":
        base, fields = "GET /" + "t" * (total // 2) + " HTTP/1.1\r\nHost: faultline.test\r\n", []
    elif shape == "many fields":
        base = "GET /x HTTP/1.1\r\nHost: faultline.test\r\n"
        fields = [f"X-Field-{i:04d}: {'v' * 24}\r\n" for i in range((total - 200) // 42)]
    else:
        raise ValueError(shape)
    head = base + "".join(fields)
    pad = total - len(head) - len("X-Pad: \r\n\r\n")
    if pad < 0:
        raise ValueError(f"{shape}: cannot make a head of {total} bytes")
    data = (head + "X-Pad: " + "p" * pad + "\r\n\r\n").encode()
    assert len(data) == total, (shape, len(data), total)
    return data


def in_pieces(data: bytes) -> list:
    """The request line alone, then the rest in three pieces (a parser must count across reads)."""
    line_end = data.index(b"\r\n") + 2
    rest = data[line_end:]
    third = len(rest) // 3
    return [data[:line_end], rest[:third], rest[third:2 * third], rest[2 * third:]]


CHUNKED_HEAD = b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nTransfer-Encoding: chunked\r\n\r\n"


class HeadSizeTest(ConformanceTestCase):
    def test_head_of_exactly_max_header_bytes_is_forwarded(self):
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, server={"max_header_bytes": LIMIT})
        for shape in ("one long field", "long target", "many fields"):
            for delivery in ("one write", "in pieces"):
                with self.subTest(shape=shape, delivery=delivery):
                    data = head_of_size(LIMIT, shape)
                    before = len(upstream.requests())
                    result = exchange(proxy.port, data if delivery == "one write" else in_pieces(data),
                                      close_wait=0.0, pieces_gap=0.02)
                    self.assertEqual(result.status, 200, f"a head of exactly {LIMIT} bytes must pass: {result!r}")
                    requests = upstream.wait_for_requests(before + 1)
                    self.assertEqual(len(requests), before + 1, upstream.describe())
                    pad = first_header(requests[-1].headers, "X-Pad")
                    self.assertTrue(pad and pad.strip("p") == "", "X-Pad must arrive intact")

    def test_head_one_byte_over_max_header_bytes_is_431(self):
        for shape in ("one long field", "long target", "many fields"):
            for delivery in ("one write", "in pieces"):
                with self.subTest(shape=shape, delivery=delivery):
                    upstream = self.start_recording_upstream()
                    proxy = self.proxy_in_front(upstream, server={"max_header_bytes": LIMIT})
                    data = head_of_size(LIMIT + 1, shape)
                    result = exchange(proxy.port, data if delivery == "one write" else in_pieces(data),
                                      pieces_gap=0.02)
                    self.assert_refused(result, 431, upstream,
                                        f"a head of {LIMIT + 1} bytes ({shape}, {delivery})")


class ChunkLineAndTrailerSizeTest(ConformanceTestCase):
    def assert_cut_before_the_upstream_saw_it_whole(self, upstream, what: str) -> None:
        """Whatever of the request was already forwarded, the upstream never got it complete,
        and its connection was closed under it."""
        time.sleep(0.3)
        self.assertEqual(upstream.requests(), [], f"{what}: the upstream must not get a complete request; "
                         + upstream.describe())
        for connection in upstream.connections():
            self.assertIsNotNone(upstream.wait_for_connection_end(connection.index, timeout=5.0),
                                 f"{what}: the upstream connection must be closed; " + upstream.describe())

    def test_chunk_extension_beyond_max_header_bytes_is_refused(self):
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, server={"max_header_bytes": 4096})
        data = CHUNKED_HEAD + b"5;name=" + b"x" * 8192 + b"\r\nhello\r\n0\r\n\r\n"
        result = exchange(proxy.port, data, "POST")
        self.assert_faultline_error(result, (400, 431), "an 8 KiB chunk extension with max_header_bytes 4096")
        self.assertTrue(result.closed_after, result)
        self.assert_cut_before_the_upstream_saw_it_whole(upstream, "an 8 KiB chunk extension")

    def test_trailer_section_beyond_max_header_bytes_is_refused(self):
        for name, trailers in {"one long trailer": b"X-Long: " + b"t" * 8192 + b"\r\n",
                               "many trailers": b"".join(b"X-T%04d: %s\r\n" % (i, b"t" * 30) for i in range(300))
                               }.items():
            with self.subTest(name):
                upstream = self.start_recording_upstream()
                proxy = self.proxy_in_front(upstream, server={"max_header_bytes": 4096})
                data = CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n" + trailers + b"\r\n"
                result = exchange(proxy.port, data, "POST")
                self.assert_faultline_error(result, (400, 431), f"{name} beyond max_header_bytes 4096")
                self.assertTrue(result.closed_after, result)
                self.assert_cut_before_the_upstream_saw_it_whole(upstream, name)

    def test_small_chunk_extensions_and_trailers_pass(self):
        # The limit must not turn into a ban: RFC 9112 §7.1.1 extensions and §7.1.2 trailers
        # of ordinary size are legal, and the body arrives intact.
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, server={"max_header_bytes": 4096})
        data = (CHUNKED_HEAD + b"5;name=value;quoted=\"a b\"\r\nhello\r\n6;x\r\n world\r\n0\r\n"
                + b"X-Checksum: 1234\r\n\r\n")
        result = exchange(proxy.port, data, "POST", close_wait=0.0)
        self.assertEqual(result.status, 200, result)
        self.assert_forwarded_once(upstream, b"hello world", "small extensions and a trailer")


def hostile_stream(kind: str):
    """(the bytes before the endless part, one piece of the endless part, the bytes that
    would finish the request) for a client that never stops one line."""
    if kind == "chunk-extension line":
        return CHUNKED_HEAD + b"5;x=", b"a" * MiB, b"\r\nhello\r\n0\r\n\r\n"
    if kind == "trailer section":
        return (CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n",
                b"".join(b"X-T: %s\r\n" % (b"t" * 1014) for _ in range(1024)), b"\r\n")
    if kind == "header line":
        return b"GET /x HTTP/1.1\r\nHost: faultline.test\r\nX-Long: ", b"h" * MiB, b"\r\n\r\n"
    raise ValueError(kind)


class HostileClient:
    """One connection sending HOSTILE_BYTES of a line that never ends (then the end, so a
    proxy that buffers it all still answers), while a thread reads the answer."""

    def __init__(self, port: int, kind: str):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=10.0)
        start, piece, finish = hostile_stream(kind)
        pieces = [start] + [piece] * (HOSTILE_BYTES // len(piece)) + [finish]
        self.sender = StreamingSender(self.sock, pieces)
        self.exchange = Exchange()
        self.answered_after_sending: int | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        try:
            self.sock.settimeout(30.0)
            self.exchange.response = read_one_response(SocketReader(self.sock), "POST", self.exchange)
            self.answered_after_sending = self.sender.sent
        except Exception as error:  # any failure is reported through exchange.error
            self.exchange.error = f"{type(error).__name__}: {error}"

    def start(self) -> None:
        self.sender.start()
        self.reader.start()

    def finish(self) -> None:
        self.sender.join(60.0)
        self.reader.join(30.0)
        try:
            self.sock.close()
        except OSError:
            pass


class BoundedMemoryTest(ConformanceTestCase):
    def test_hostile_lines_are_refused_early_and_memory_stays_flat(self):
        for kind in ("chunk-extension line", "trailer section", "header line"):
            with self.subTest(kind):
                upstream = self.start_recording_upstream()
                proxy = self.proxy_in_front(upstream, server={"max_header_bytes": LIMIT})
                warm = exchange(proxy.port, CHUNKED_HEAD + b"5;a=b\r\nhello\r\n0\r\n\r\n", "POST", close_wait=0.0)
                self.assertEqual(warm.status, 200, f"warm-up request: {warm!r}")
                clients = [HostileClient(proxy.port, kind) for _ in range(HOSTILE_CONNECTIONS)]
                with RssSampler(proxy.pid, interval=0.02) as rss:
                    for client in clients:
                        client.start()
                    for client in clients:
                        client.finish()
                # Every problem in one message: the statuses, how late they came, the memory.
                problems = []
                for index, client in enumerate(clients):
                    result = client.exchange
                    if result.status not in (400, 431) or not result.response.body.startswith(b"faultline: "):
                        problems.append(f"connection {index}: expected 400/431 with a faultline: body, got {result!r}")
                    elif client.answered_after_sending >= EARLY_BYTES:
                        problems.append(f"connection {index}: refused only after the client sent "
                                        f"{client.answered_after_sending / MiB:.0f} MiB")
                if rss.growth >= RSS_GROWTH_LIMIT:
                    problems.insert(0, f"the proxy's RSS grew by {rss.growth / MiB:.1f} MiB (limit "
                                    f"{RSS_GROWTH_LIMIT // MiB} MiB)")
                self.assertEqual(problems, [], f"{HOSTILE_CONNECTIONS} clients each sending a "
                                 f"{HOSTILE_BYTES // MiB} MiB {kind}")
                self.assertEqual(upstream.requests()[1:], [], f"{kind}: " + upstream.describe())


if __name__ == "__main__":
    unittest.main()
