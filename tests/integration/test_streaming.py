"""Bodies pass through as streams: chunked both ways, and a gigabyte each way in bounded memory."""

import os
import threading
import unittest

from harness import (
    GiB,
    MiB,
    Checksum,
    FaultlineTestCase,
    HttpConnection,
    RssSampler,
    encode_chunked,
    route,
    simple_response,
)

HUGE = GiB
RSS_GROWTH_LIMIT = 64 * MiB
TRANSFER_SOCKET_TIMEOUT = 60.0


def sanitizer_env() -> dict:
    """Under ASan, freed blocks wait in a 256 MB quarantine before reuse, which would show
    as RSS growth even for a proxy that holds a fixed amount of live memory. A small
    quarantine keeps the measurement about the proxy's buffering (ignored without ASan)."""
    options = os.environ.get("ASAN_OPTIONS", "")
    if "quarantine_size_mb" in options:
        return {}
    return {"ASAN_OPTIONS": (options + ":" if options else "") + "quarantine_size_mb=16"}


def block(index: int, base=bytes(range(256)) * (MiB // 256)) -> bytes:
    """1 MiB upload block; the index in front makes lost, repeated or reordered blocks visible."""
    return index.to_bytes(8, "big") + base[8:]


class ChunkedTest(FaultlineTestCase):
    def test_chunked_request_body_passes_through(self):
        echo, proxy = self.echo_and_proxy()
        pieces = [b"a", b"bc" * 50, os.urandom(70_000), b"tail"]
        conn = self.connect(proxy.port)
        sender_errors = []

        def send() -> None:
            try:
                conn.send(b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + encode_chunked(pieces))
            except OSError as error:
                sender_errors.append(repr(error))

        sender = threading.Thread(target=send)
        sender.start()  # the echo answers while it reads, so read concurrently
        response = conn.read_response("POST")
        sender.join(timeout=10)
        self.assertEqual(sender_errors, [])
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"".join(pieces))

    def test_chunked_response_passes_through(self):
        chunks = [b"hello", b" ", b"chunked world", os.urandom(50_000)]
        wire = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + encode_chunked(chunks))
        upstream = self.start_fake_upstream(name="chunky", respond=lambda request: wire)
        proxy = self.start_proxy([route("chunky", upstream.port, "/")])
        conn = self.connect(proxy.port)
        response = conn.request("GET", "/stream")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"".join(chunks))
        self.assertIn(response.framing, ("chunked", "length"), "the response must be framed, not close-delimited")
        again = conn.request("GET", "/stream")  # the framing left the connection usable
        self.assertEqual(again.body, b"".join(chunks))


class GigabyteTest(FaultlineTestCase):
    def start_pair(self, server=None):
        echo = self.start_echo(threads=2)
        proxy = self.start_proxy([route("api", echo.port, "/")], server=server, extra_env=sanitizer_env())
        # Warm up: worker threads, pools and buffers exist before the baseline is taken.
        warm = HttpConnection(proxy.port)
        try:
            self.assertEqual(warm.request("GET", "/bytes/1048576").status, 200)
            self.assertEqual(warm.request("POST", "/upload", body=b"w" * MiB).status, 200)
        finally:
            warm.close()
        return echo, proxy

    def assert_bounded_memory(self, sampler: RssSampler) -> None:
        self.assertGreater(sampler.samples, 0, "RSS was never sampled during the transfer")
        self.assertLess(
            sampler.growth,
            RSS_GROWTH_LIMIT,
            f"proxy RSS grew by {sampler.growth / MiB:.1f} MiB (from {sampler.baseline / MiB:.1f} MiB) "
            f"over {sampler.samples} samples while streaming 1 GiB",
        )

    def test_1gib_download_streams_with_bounded_memory(self):
        echo, proxy = self.start_pair()
        target = f"/bytes/{HUGE}"
        # The pattern is the same on every call: the echo's own answer is the reference.
        reference = Checksum()
        direct = self.connect(echo.port, timeout=TRANSFER_SOCKET_TIMEOUT)
        direct.send(f"GET {target} HTTP/1.1\r\nHost: faultline.test\r\n\r\n".encode())
        self.assertEqual(direct.read_response(sink=reference.update).status, 200)
        direct.close()
        self.assertEqual(reference.count, HUGE, "the echo upstream itself sent the wrong number of bytes")

        proxied = Checksum()
        conn = self.connect(proxy.port, timeout=TRANSFER_SOCKET_TIMEOUT)
        with RssSampler(proxy.pid) as sampler:
            conn.send(f"GET {target} HTTP/1.1\r\nHost: faultline.test\r\n\r\n".encode())
            response = conn.read_response(sink=proxied.update)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(proxied.count, HUGE)
        self.assertEqual(proxied.crc, reference.crc, "the proxied bytes differ from the echo's pattern")
        self.assert_bounded_memory(sampler)

    def test_1gib_upload_streams_with_bounded_memory(self):
        echo, proxy = self.start_pair(server={"max_body_bytes": "2GiB"})
        conn = self.connect(proxy.port, timeout=TRANSFER_SOCKET_TIMEOUT)
        sent = Checksum()
        sender_errors = []

        def upload() -> None:
            try:
                conn.send(f"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: {HUGE}\r\n\r\n".encode())
                for index in range(HUGE // MiB):
                    piece = block(index)
                    conn.send(piece)
                    sent.update(piece)
            except OSError as error:
                sender_errors.append(repr(error))

        received = Checksum()
        sender = threading.Thread(target=upload, daemon=True)
        with RssSampler(proxy.pid) as sampler:
            sender.start()  # the echo writes while it reads: upload and download at once
            response = conn.read_response("POST", sink=received.update)
            sender.join(timeout=TRANSFER_SOCKET_TIMEOUT)
        self.assertEqual(sender_errors, [])
        self.assertFalse(sender.is_alive(), "the upload did not finish")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(sent.count, HUGE)
        self.assertEqual(received.count, HUGE)
        self.assertEqual(received.crc, sent.crc, "the echoed body differs from the uploaded one")
        self.assert_bounded_memory(sampler)


if __name__ == "__main__":
    unittest.main()
