"""Checks of harness.py itself, without the faultline binary.

Run: python3 -m unittest -v selftest_harness   (not collected by ctest: the name does not
start with test_). The HTTP client and parsers are checked against FakeUpstream and raw
sockets; the process handling against a stand-in script that logs like faultline echo."""

import os
import signal
import socket
import stat
import sys
import tempfile
import threading
import time
import unittest

import harness
from harness import (
    Checksum,
    ConnectionClosed,
    FakeUpstream,
    FaultlineProcess,
    HttpConnection,
    ProtocolError,
    build_request,
    encode_chunked,
    header_values,
    parse_echoed_headers,
    render_config,
    route,
    simple_response,
)

STAND_IN = """#!{python}
import socket, sys, signal
# Logs like `faultline echo`, answers every request with 200 "ok", exits 0 on SIGTERM.
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server = socket.create_server(("127.0.0.1", 0))
print("[info] echo listening on 127.0.0.1:%d" % server.getsockname()[1], file=sys.stderr, flush=True)
for _ in range(1000):
    conn, _ = server.accept()
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
    conn.close()
"""


class RawServer:
    """Accepts one connection and sends fixed bytes, then closes."""

    def __init__(self, payload: bytes):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5)
        self.port = self.listener.getsockname()[1]
        self.payload = payload
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.listener.accept()
        conn.settimeout(5)
        conn.recv(65536)
        conn.sendall(self.payload)
        conn.close()
        self.listener.close()


class ParserSelfTest(unittest.TestCase):
    def fetch(self, payload: bytes, method="GET"):
        server = RawServer(payload)
        conn = HttpConnection(server.port, timeout=5)
        try:
            conn.send(build_request(method, "/"))
            return conn.read_response(method)
        finally:
            conn.close()

    def test_content_length_body(self):
        response = self.fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello")
        self.assertEqual((response.status, response.body, response.framing), (200, b"hello", "length"))
        self.assertEqual(response.header("x-a"), "1")

    def test_chunked_body_with_extensions_and_trailers(self):
        payload = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5;ext=1\r\nhello\r\n1\r\n \r\n0\r\nX-Trailer: t\r\n\r\n")
        response = self.fetch(payload)
        self.assertEqual((response.body, response.framing), (b"hello ", "chunked"))

    def test_close_delimited_body(self):
        response = self.fetch(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        self.assertEqual((response.body, response.framing), (b"until the end", "close"))
        self.assertFalse(response.keeps_alive())

    def test_interim_response_is_skipped_and_head_has_no_body(self):
        response = self.fetch(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", "HEAD")
        self.assertEqual((response.status, response.body), (200, b""))

    def test_truncated_body_raises(self):
        with self.assertRaises(ConnectionClosed):
            self.fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")

    def test_bad_status_line_raises(self):
        with self.assertRaises(ProtocolError):
            self.fetch(b"SSH-2.0-OpenSSH\r\n\r\n")

    def test_no_response_raises(self):
        with self.assertRaises(ConnectionClosed):
            self.fetch(b"")

    def test_echoed_headers_parse(self):
        headers = parse_echoed_headers(b"Host: a\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\nVia: 1.1 faultline\n")
        self.assertEqual(header_values(headers, "x-forwarded-for"), ["10.0.0.1, 127.0.0.1"])
        self.assertEqual(header_values(headers, "VIA"), ["1.1 faultline"])

    def test_config_renders_routes_and_server_overrides(self):
        text = render_config([route("api", 9000, "/api", host="x.test")], server={"threads": 1, "max_body_bytes": "2GiB"})
        self.assertIn('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n', text)
        self.assertIn('max_body_bytes = "2GiB"', text)
        self.assertIn('[[routes]]\nname = "api"\npath_prefix = "/api"\nupstream = "http://127.0.0.1:9000"\nhost = "x.test"', text)


class FakeUpstreamSelfTest(unittest.TestCase):
    def setUp(self):
        self.upstream = FakeUpstream(name="fake")
        self.addCleanup(self.upstream.close)

    def test_keep_alive_pipelining_and_recording(self):
        conn = HttpConnection(self.upstream.port, timeout=5)
        self.addCleanup(conn.close)
        conn.send(build_request("GET", "/a") + build_request("POST", "/b", body=b"xyz")
                  + b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + encode_chunked([b"ab", b"cd"]))
        bodies = [conn.read_response().body for _ in range(3)]
        self.assertEqual(bodies, [b"fake"] * 3)
        recorded = self.upstream.received()
        self.assertEqual([r.target for r in recorded], ["/a", "/b", "/c"])
        self.assertEqual([(r.body, r.framing) for r in recorded], [(b"", "none"), (b"xyz", "length"), (b"abcd", "chunked")])
        self.assertEqual(self.upstream.connections_accepted, 1)

    def test_close_without_answer(self):
        mute = FakeUpstream(close_without_answer=True)
        self.addCleanup(mute.close)
        conn = HttpConnection(mute.port, timeout=5)
        self.addCleanup(conn.close)
        conn.send(build_request("GET", "/"))
        with self.assertRaises(ConnectionClosed):
            conn.read_response()
        closed, waited, _ = conn.wait_for_close(2)
        self.assertTrue(closed)

    def test_large_streamed_body_checksum(self):
        size = 64 * harness.MiB + 3
        payload = os.urandom(1 << 20)
        wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + encode_chunked([payload] * 64 + [b"end"])
        upstream = FakeUpstream(respond=lambda request: wire)
        self.addCleanup(upstream.close)
        conn = HttpConnection(upstream.port, timeout=10)
        self.addCleanup(conn.close)
        received = Checksum()
        conn.send(build_request("GET", "/"))
        started = time.monotonic()
        conn.read_response(sink=received.update)
        expected = Checksum()
        for _ in range(64):
            expected.update(payload)
        expected.update(b"end")
        self.assertEqual((received.count, received.crc), (size, expected.crc))
        self.assertLess(time.monotonic() - started, 10)


class ProcessSelfTest(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.fake_bin = os.path.join(directory.name, "faultline")
        with open(self.fake_bin, "w") as handle:
            handle.write(STAND_IN.format(python=sys.executable))
        os.chmod(self.fake_bin, os.stat(self.fake_bin).st_mode | stat.S_IXUSR)
        self.saved_bin = harness.BIN
        harness.BIN = self.fake_bin
        self.addCleanup(setattr, harness, "BIN", self.saved_bin)

    def test_echo_port_is_read_from_stderr_and_stop_exits_0(self):
        echo = harness.EchoServer()
        try:
            self.assertEqual(harness.http_get(echo.port, "/").body, b"ok")
        finally:
            returncode, killed = echo.process.stop()
        self.assertEqual((returncode, killed), (0, False))

    def test_missing_line_times_out_with_output(self):
        process = FaultlineProcess(["ignored"])
        try:
            started = time.monotonic()
            with self.assertRaises(AssertionError) as caught:
                process.wait_for_line(r"never printed", timeout=1)
            self.assertLess(time.monotonic() - started, 3)
            self.assertIn("echo listening on", str(caught.exception))
        finally:
            process.stop()

    def test_process_ignoring_sigterm_is_killed(self):
        with open(self.fake_bin, "w") as handle:
            handle.write(f"#!{sys.executable}\nimport signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                         "print('up', flush=True)\ntime.sleep(60)\n")
        process = FaultlineProcess([])
        process.wait_for_line("up", stream_name="stdout")
        returncode, killed = process.stop(timeout=1)
        self.assertTrue(killed)
        self.assertEqual(returncode, -signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
