"""Shared helpers for faultline's loopback integration tests (Python standard library only).

What lives here:
- FaultlineProcess: a started `faultline` subprocess whose stdout and stderr are drained by
  threads (the pipes never fill), with a bounded wait for a log line and a stop that always
  ends the process (SIGTERM by PID, wait, SIGKILL if needed).
- render_config / route: the TOML config the proxy reads, written from Python values.
- SocketReader, HttpConnection, Response: a small raw HTTP/1.1 client. It exists (instead of
  http.client) because the tests need byte-level control: pipelining, half-sent headers,
  absolute-form targets, hop-by-hop headers, and streaming gigabyte bodies into a checksum.
- FakeUpstream: a tiny threaded HTTP/1.1 server in Python for what the echo upstream cannot
  show: the exact framing the upstream received, a chunked response, accept-then-close.
- RssSampler, Checksum, established_connections_to: measurements.
- FaultlineTestCase: the unittest base class tying these together with cleanups.

Environment: FAULTLINE_BIN (path to the binary) and FAULTLINE_SOURCE_DIR (repo root), as
set by ctest. Every socket has a timeout, every wait has a deadline, every loop a bound.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

SOURCE_DIR = os.environ.get(
    "FAULTLINE_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")),
)
BIN = os.environ.get("FAULTLINE_BIN") or os.path.join(SOURCE_DIR, "build", "app", "faultline")

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 10.0  # seconds to wait for a "listening on" line
STOP_TIMEOUT = 10.0  # seconds a stopped process gets before SIGKILL
DEFAULT_SOCKET_TIMEOUT = 10.0
MiB = 1 << 20
GiB = 1 << 30

# Lines that mean a sanitizer found something, whatever the test itself observed.
# ThreadSanitizer builds run several times slower than the others (ASan's cost is covered by
# the margins tests already have): rates and time margins of load tests scale by this.
SANITIZER_SLOWDOWN = 4 if "TSAN_OPTIONS" in os.environ else 1

SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer)|WARNING: ThreadSanitizer|runtime error:"
)


class ProtocolError(Exception):
    """The peer sent bytes that are not valid HTTP/1.1 framing."""


class ConnectionClosed(Exception):
    """The peer closed the connection where more bytes were required."""


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------

_live_processes: "set[FaultlineProcess]" = set()


@atexit.register
def _kill_leftovers() -> None:
    # Safety net for an interpreter that exits without running test cleanups.
    for process in list(_live_processes):
        process.kill()


def binary_path() -> str:
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        raise RuntimeError(f"faultline binary not found at {BIN!r}; set FAULTLINE_BIN")
    return BIN


def run_cli(args, timeout: float = 30.0, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Runs `faultline ARGS` to completion; returns returncode, stdout and stderr as text."""
    return subprocess.run(
        [binary_path(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


class FaultlineProcess:
    """A running `faultline` subcommand. stdout and stderr are drained line by line."""

    def __init__(self, args, extra_env: dict | None = None, name: str = "faultline"):
        env = dict(os.environ)
        env.update(extra_env or {})
        self.name = name
        self.args = [binary_path(), *args]
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.pid = self.proc.pid
        self.signalled_at: float | None = None  # monotonic time of the last signal we sent
        self._cond = threading.Condition()
        self._lines = {"stdout": [], "stderr": []}
        self._eof = {"stdout": False, "stderr": False}
        self._drainers = [
            threading.Thread(target=self._drain, args=("stdout", self.proc.stdout), daemon=True),
            threading.Thread(target=self._drain, args=("stderr", self.proc.stderr), daemon=True),
        ]
        for drainer in self._drainers:
            drainer.start()
        _live_processes.add(self)

    def _drain(self, stream_name: str, pipe) -> None:
        # readline returns b"" only at EOF, i.e. when the process (and its children) closed
        # the pipe; so this loop ends when the process ends.
        try:
            for raw in iter(pipe.readline, b""):
                with self._cond:
                    self._lines[stream_name].append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._eof[stream_name] = True
                self._cond.notify_all()

    # ---- output ----

    def lines(self, stream_name: str = "stderr") -> list:
        with self._cond:
            return list(self._lines[stream_name])

    def output_tail(self, count: int = 40) -> str:
        """The last lines of stderr and stdout, for failure messages."""
        with self._cond:
            err = self._lines["stderr"][-count:]
            out = self._lines["stdout"][-count:]
        return (
            f"--- {self.name} (pid {self.pid}, rc {self.proc.returncode}) stderr tail ---\n"
            + "\n".join(err)
            + f"\n--- {self.name} stdout tail ---\n"
            + "\n".join(out)
        )

    def wait_for_line(self, pattern: str, stream_name: str = "stderr", timeout: float = STARTUP_TIMEOUT):
        """Returns the first re.Match of pattern on a line of the stream, waiting at most timeout."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        index = 0
        with self._cond:
            while True:
                lines = self._lines[stream_name]
                for line in lines[index:]:
                    match = regex.search(line)
                    if match:
                        return match
                index = len(lines)
                if self._eof[stream_name]:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.2))
        self.proc.poll()
        state = "exited" if self.proc.returncode is not None else "still running"
        raise AssertionError(
            f"{self.name} ({state}) did not print a line matching {pattern!r} on {stream_name} "
            f"within {timeout:.0f} s\n{self.output_tail()}"
        )

    def wait_for_lines(self, predicate, count: int, stream_name: str = "stdout", timeout: float = 5.0) -> list:
        """Waits until count lines of the stream satisfy predicate; returns those seen (maybe fewer)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [line for line in self._lines[stream_name] if predicate(line)]
                remaining = deadline - time.monotonic()
                if len(matching) >= count or remaining <= 0 or self._eof[stream_name]:
                    return matching
                self._cond.wait(min(remaining, 0.2))

    def sanitizer_reports(self) -> list:
        return [line for line in self.lines("stderr") if SANITIZER_REPORT.search(line)]

    # ---- lifecycle ----

    def running(self) -> bool:
        return self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        self.signalled_at = time.monotonic()
        self.proc.send_signal(sig)  # os.kill on this PID only

    def wait(self, timeout: float) -> int | None:
        """Waits for exit; returns the exit code, or None when still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._finish()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> tuple:
        """Signals the process and waits; SIGKILL after timeout. Returns (returncode, was_killed)."""
        killed = False
        if self.proc.poll() is None:
            try:
                self.send_signal(sig)
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                killed = True
                self.kill()
        self._finish()
        return self.proc.returncode, killed

    def _finish(self) -> None:
        for drainer in self._drainers:
            drainer.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
        _live_processes.discard(self)


class EchoServer:
    """`faultline echo` on an ephemeral loopback port."""

    def __init__(self, threads: int | None = 2, extra_env: dict | None = None):
        args = ["echo", "--listen", f"{LOOPBACK}:0"]
        if threads is not None:
            args += ["--threads", str(threads)]
        self.process = FaultlineProcess(args, extra_env=extra_env, name="echo")
        try:
            match = self.process.wait_for_line(r"echo listening on 127\.0\.0\.1:(\d+)")
        except BaseException:
            self.process.kill()
            raise
        self.port = int(match.group(1))


class ProxyServer:
    """`faultline proxy -c FILE` with the proxy and admin ports read from its log."""

    def __init__(self, config_path: str, extra_env: dict | None = None):
        self.config_path = config_path
        self.process = FaultlineProcess(["proxy", "-c", config_path], extra_env=extra_env, name="proxy")
        try:
            self.port = int(self.process.wait_for_line(r"proxy listening on 127\.0\.0\.1:(\d+)").group(1))
            self.admin_port = int(self.process.wait_for_line(r"admin listening on 127\.0\.0\.1:(\d+)").group(1))
        except BaseException:
            self.process.kill()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid


# --------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string for our values
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):  # an inline table
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"no TOML rendering for {value!r}")


def upstream_url(port: int) -> str:
    return f"http://{LOOPBACK}:{port}"


def route(name: str, upstream_port: int, path_prefix: str = "/", **extra) -> dict:
    """One [[routes]] entry; extra keys (host, request_timeout, ...) are passed through."""
    entry = {"name": name, "path_prefix": path_prefix, "upstream": upstream_url(upstream_port)}
    entry.update(extra)
    return entry


DEFAULT_SERVER = {
    "listen": f"{LOOPBACK}:0",
    "threads": 2,
    # Short so that stopping a proxy in a cleanup never waits long for a stuck request.
    "drain_timeout": "2s",
}


def render_config(routes, server: dict | None = None, admin: dict | None = None) -> str:
    server_table = dict(DEFAULT_SERVER)
    server_table.update(server or {})
    admin_table = {"listen": f"{LOOPBACK}:0"}
    admin_table.update(admin or {})
    lines = ["[server]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in server_table.items()]
    lines += ["", "[admin]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in admin_table.items()]
    for entry in routes:
        lines += ["", "[[routes]]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in entry.items()]
    return "\n".join(lines) + "\n"


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------------------
# HTTP/1.1 on raw sockets
# --------------------------------------------------------------------------------------


class SocketReader:
    """Buffered reading of a socket: lines for heads, exact counts for bodies."""

    def __init__(self, sock: socket.socket, recv_size: int = 256 * 1024):
        self.sock = sock
        self._buf = bytearray()
        self._pos = 0  # bytes of _buf already consumed
        self._recv_size = recv_size
        self._scratch = None  # reused for large direct reads

    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def _fill(self) -> bool:
        """Reads more from the socket; False at EOF."""
        if self._pos:
            del self._buf[: self._pos]  # only the unconsumed remainder moves
            self._pos = 0
        data = self.sock.recv(self._recv_size)
        if not data:
            return False
        self._buf += data
        return True

    def _take(self, count: int) -> bytes:
        out = bytes(self._buf[self._pos : self._pos + count])
        self._pos += count
        if self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        return out

    def readline(self, limit: int = 256 * 1024) -> bytes:
        """One line including its "\\n"; b"" on a clean EOF before any byte of it."""
        scanned = 0  # bytes after _pos already searched for "\n"
        for _ in range(limit + 2):  # every round adds input or ends
            index = self._buf.find(b"\n", self._pos + scanned)
            if index >= 0:
                return self._take(index + 1 - self._pos)
            scanned = self.buffered()
            if scanned > limit:
                raise ProtocolError(f"line longer than {limit} bytes")
            if not self._fill():
                if self.buffered():
                    raise ConnectionClosed(f"EOF inside a line: {bytes(self._buf[self._pos:])[:200]!r}")
                return b""
        raise ProtocolError("readline did not terminate")

    def read_exact(self, count: int, sink) -> None:
        """Passes exactly count bytes to sink(bytes-like) in pieces; ConnectionClosed if EOF first."""
        remaining = count
        if self.buffered():
            piece = min(remaining, self.buffered())
            sink(self._take(piece))
            remaining -= piece
        if remaining and self._scratch is None:
            self._scratch = memoryview(bytearray(MiB))
        while remaining > 0:  # each round reads ≥ 1 byte or raises
            received = self.sock.recv_into(self._scratch, min(remaining, len(self._scratch)))
            if received == 0:
                raise ConnectionClosed(f"EOF with {remaining} of {count} body bytes missing")
            sink(self._scratch[:received])
            remaining -= received

    def read_to_eof(self, sink, limit: int = 4 * GiB) -> int:
        total = 0
        if self.buffered():
            total += self.buffered()
            sink(self._take(self.buffered()))
        if self._scratch is None:
            self._scratch = memoryview(bytearray(MiB))
        while total <= limit:
            try:
                received = self.sock.recv_into(self._scratch)
            except ConnectionResetError:
                break
            if received == 0:
                break
            sink(self._scratch[:received])
            total += received
        return total


def parse_header_lines(lines) -> list:
    headers = []
    for line in lines:
        text = line.decode("latin-1")
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"bad header line {text!r}")
        headers.append((name, value.strip(" \t")))
    return headers


def read_head_lines(reader: SocketReader, max_lines: int = 1000) -> list:
    """Header lines after the start line, up to the empty line, without line endings."""
    lines = []
    for _ in range(max_lines):
        line = reader.readline()
        if line == b"":
            raise ConnectionClosed("EOF inside a message head")
        line = line.rstrip(b"\r\n")
        if not line:
            return lines
        lines.append(line)
    raise ProtocolError(f"more than {max_lines} header lines")


def header_values(headers, name: str) -> list:
    lowered = name.lower()
    return [value for key, value in headers if key.lower() == lowered]


def first_header(headers, name: str):
    values = header_values(headers, name)
    return values[0] if values else None


def connection_tokens(headers) -> set:
    tokens = set()
    for value in header_values(headers, "Connection"):
        tokens.update(token.strip().lower() for token in value.split(",") if token.strip())
    return tokens


def is_chunked(headers) -> bool:
    codings = [c.strip().lower() for v in header_values(headers, "Transfer-Encoding") for c in v.split(",")]
    return bool(codings) and codings[-1] == "chunked"


def read_chunked_body(reader: SocketReader, sink, max_chunks: int = 10_000_000) -> list:
    """Decodes a chunked body into sink; returns the trailer fields."""
    for _ in range(max_chunks):
        size_line = reader.readline(limit=4096)
        if size_line == b"":
            raise ConnectionClosed("EOF before a chunk size")
        size_text = size_line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size line {size_line!r}") from None
        if size == 0:
            return parse_header_lines(read_head_lines(reader))
        reader.read_exact(size, sink)
        crlf = reader.readline(limit=16)
        if crlf.rstrip(b"\r\n") != b"":
            raise ProtocolError(f"chunk data not followed by CRLF: {crlf!r}")
    raise ProtocolError(f"more than {max_chunks} chunks")


def read_body(reader: SocketReader, headers, sink, until_eof_allowed: bool) -> str:
    """Reads a message body by its framing; returns "chunked", "length", "close" or "none"."""
    if is_chunked(headers):
        read_chunked_body(reader, sink)
        return "chunked"
    lengths = header_values(headers, "Content-Length")
    if lengths:
        if len(set(lengths)) != 1 or not lengths[0].isdigit():
            raise ProtocolError(f"bad Content-Length {lengths!r}")
        reader.read_exact(int(lengths[0]), sink)
        return "length"
    if until_eof_allowed:
        reader.read_to_eof(sink)
        return "close"
    return "none"


class Response:
    def __init__(self, version: str, status: int, reason: str, headers: list):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = b""  # filled unless a sink consumed the body
        self.framing = "none"
        self.received_at = 0.0  # monotonic time the body was complete

    def header(self, name: str):
        return first_header(self.headers, name)

    def header_all(self, name: str) -> list:
        return header_values(self.headers, name)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def keeps_alive(self) -> bool:
        tokens = connection_tokens(self.headers)
        if self.framing == "close" or "close" in tokens:
            return False
        return self.version == "HTTP/1.1" or "keep-alive" in tokens

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason!r} {self.framing} body={self.body[:120]!r}>"


def read_response(reader: SocketReader, request_method: str = "GET", sink=None) -> Response:
    """Reads one response (skipping interim 1xx). sink(bytes-like) receives the body if given."""
    for _ in range(20):
        status_line = reader.readline(limit=16384)
        if status_line == b"":
            raise ConnectionClosed("connection closed before a response")
        parts = status_line.rstrip(b"\r\n").decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {status_line!r}")
        version, status = parts[0], int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = parse_header_lines(read_head_lines(reader))
        if 100 <= status < 200 and status != 101:
            continue
        break
    else:
        raise ProtocolError("too many interim responses")
    response = Response(version, status, reason, headers)
    if request_method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        response.framing = "none"
    else:
        collected = bytearray()
        response.framing = read_body(reader, headers, sink or collected.extend, until_eof_allowed=True)
        if sink is None:
            response.body = bytes(collected)
    response.received_at = time.monotonic()
    return response


def build_request(method: str, target: str, headers=None, body: bytes | None = None,
                  host: str | None = "faultline.test", version: str = "HTTP/1.1") -> bytes:
    """Serializes a request. Host and Content-Length are added unless given (or host=None)."""
    fields = list(headers or [])
    names = {name.lower() for name, _ in fields}
    if host is not None and "host" not in names:
        fields.insert(0, ("Host", host))
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        fields.append(("Content-Length", str(len(body))))
    head = f"{method} {target} {version}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
    return head.encode("latin-1") + (body or b"")


def encode_chunked(pieces, trailers=None) -> bytes:
    out = bytearray()
    for piece in pieces:
        if piece:
            out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    out += b"0\r\n"
    for name, value in trailers or []:
        out += f"{name}: {value}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


class HttpConnection:
    """One client TCP connection to a loopback port."""

    def __init__(self, port: int, timeout: float = DEFAULT_SOCKET_TIMEOUT, host: str = LOOPBACK):
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.reader = SocketReader(self.sock)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, target: str, headers=None, body: bytes | None = None, **kw) -> Response:
        self.send(build_request(method, target, headers, body, **kw))
        return self.read_response(method)

    def read_response(self, method: str = "GET", sink=None) -> Response:
        return read_response(self.reader, method, sink)

    def wait_for_close(self, timeout: float) -> tuple:
        """Waits until the peer closes (EOF or reset). Returns (closed, seconds_waited, bytes_seen).

        Bytes that arrive before the close (an error response, say) are read and counted."""
        start = time.monotonic()
        deadline = start + timeout
        seen = self.reader.buffered()
        self.reader = SocketReader(self.sock)
        previous_timeout = self.sock.gettimeout()
        try:
            while True:  # bounded by the deadline
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False, time.monotonic() - start, seen
                self.sock.settimeout(min(remaining, 0.25))
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    continue
                except (ConnectionResetError, ConnectionAbortedError):
                    return True, time.monotonic() - start, seen
                if not data:
                    return True, time.monotonic() - start, seen
                seen += len(data)
        finally:
            try:
                self.sock.settimeout(previous_timeout)
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def http_get(port: int, target: str, headers=None, timeout: float = DEFAULT_SOCKET_TIMEOUT, **kw) -> Response:
    """One request on a fresh connection, which is then closed."""
    conn = HttpConnection(port, timeout=timeout)
    try:
        return conn.request("GET", target, headers, **kw)
    finally:
        conn.close()


def parse_echoed_headers(body: bytes) -> list:
    """The echo upstream's /headers body: one "Name: value" per line."""
    headers = []
    for line in body.decode("latin-1").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return headers


# --------------------------------------------------------------------------------------
# A fake upstream in Python
# --------------------------------------------------------------------------------------


class RecordedRequest:
    def __init__(self, method, target, version, headers, body, framing, raw_head):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.framing = framing  # "chunked", "length" or "none": what the upstream received
        self.raw_head = raw_head

    def header(self, name: str):
        return first_header(self.headers, name)


def read_request(reader: SocketReader):
    """Reads one request; None on a clean EOF before it."""
    request_line = reader.readline(limit=65536)
    if request_line == b"":
        return None
    lines = read_head_lines(reader)
    parts = request_line.rstrip(b"\r\n").decode("latin-1").split(" ")
    if len(parts) != 3:
        raise ProtocolError(f"bad request line {request_line!r}")
    headers = parse_header_lines(lines)
    body = bytearray()
    framing = read_body(reader, headers, body.extend, until_eof_allowed=False)
    raw_head = request_line + b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    return RecordedRequest(parts[0], parts[1], parts[2], headers, bytes(body), framing, raw_head)


def simple_response(body: bytes, status: int = 200, headers=None) -> bytes:
    fields = [("Content-Length", str(len(body))), ("Content-Type", "text/plain")] + list(headers or [])
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
    return head.encode() + body


class FakeUpstream:
    """A threaded HTTP/1.1 server on an ephemeral loopback port.

    respond(request) -> bytes gives the raw response (default: 200 with body `name`).
    With close_without_answer, every connection is closed after its request is read.
    Received requests are kept in .requests."""

    def __init__(self, name: str = "fake", respond=None, close_without_answer: bool = False):
        self.name = name
        self.respond = respond or (lambda request: simple_response(self.name.encode()))
        self.close_without_answer = close_without_answer
        self.requests: list = []
        self.connections_accepted = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._open: set = set()
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():  # bounded by close()
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections_accepted += 1
                self._open.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(DEFAULT_SOCKET_TIMEOUT)
        reader = SocketReader(conn)
        try:
            for _ in range(10_000):  # requests per connection
                if self._stop.is_set():
                    break
                request = read_request(reader)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                if self.close_without_answer:
                    break
                conn.sendall(self.respond(request))
        except (OSError, ProtocolError, ConnectionClosed):
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def received(self) -> list:
        with self._lock:
            return list(self.requests)

    def close(self) -> None:
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self._lock:
            open_connections = list(self._open)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._acceptor.join(timeout=5)


# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


class RssSampler:
    """Samples a process's resident set every interval seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05, max_samples: int = 40_000):
        self.pid = pid
        self.interval = interval
        self.max_samples = max_samples
        self.baseline = rss_bytes(pid)
        self.peak = self.baseline
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while self.samples < self.max_samples and not self._stop.wait(self.interval):
            try:
                value = rss_bytes(self.pid)
            except (OSError, RuntimeError):
                return  # the process is gone
            self.samples += 1
            self.peak = max(self.peak, value)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


class Checksum:
    """Byte count and CRC-32 of a stream, fed piece by piece."""

    def __init__(self):
        self.count = 0
        self.crc = 0

    def update(self, data) -> None:
        self.count += len(data)
        self.crc = zlib.crc32(data, self.crc)

    def __repr__(self) -> str:
        return f"<Checksum {self.count} bytes crc32={self.crc:08x}>"


def established_connections_to(port: int) -> int:
    """ESTABLISHED TCP connections (this network namespace) whose remote port is port."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4:
                continue
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":
                count += 1
    return count


# --------------------------------------------------------------------------------------
# Test case base
# --------------------------------------------------------------------------------------


class FaultlineTestCase(unittest.TestCase):
    """Starts processes and servers per test and always stops them (cleanups run LIFO, so
    sockets opened later are closed before the processes they talk to are stopped)."""

    maxDiff = 4000

    def make_temp_dir(self) -> str:
        holder = tempfile.TemporaryDirectory(prefix="faultline-it-")
        self.addCleanup(holder.cleanup)
        return holder.name

    def write_file(self, name: str, text: str) -> str:
        path = os.path.join(self.make_temp_dir(), name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def _check_stopped(self, process: FaultlineProcess, expect_exit_zero: bool) -> None:
        # A process that ended on its own, without a signal from the test, crashed or quit.
        ended_unasked = process.proc.poll() is not None and process.signalled_at is None
        returncode, killed = process.stop()
        reports = process.sanitizer_reports()
        if reports:
            self.fail(f"{process.name} reported sanitizer errors:\n" + "\n".join(reports[:20])
                      + "\n" + process.output_tail())
        if ended_unasked:
            self.fail(f"{process.name} exited by itself during the test with {returncode}"
                      f"{' (signal ' + signal.Signals(-returncode).name + ')' if returncode < 0 else ''}\n"
                      + process.output_tail())
        if returncode is not None and returncode < 0 and returncode not in (-signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL):
            self.fail(f"{process.name} died of {signal.Signals(-returncode).name} while stopping\n"
                      + process.output_tail())
        if killed:
            self.fail(f"{process.name} did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM\n"
                      + process.output_tail())
        if expect_exit_zero and returncode != 0:
            self.fail(f"{process.name} exited with {returncode} after SIGTERM (expected 0)\n"
                      + process.output_tail())

    def start_echo(self, threads: int | None = 2, extra_env: dict | None = None) -> EchoServer:
        echo = EchoServer(threads=threads, extra_env=extra_env)
        # The contract says nothing about echo's exit code on SIGTERM: only crashes count.
        self.addCleanup(self._check_stopped, echo.process, False)
        return echo

    def start_proxy(self, routes, server: dict | None = None, admin: dict | None = None,
                    extra_env: dict | None = None, expect_clean_exit: bool = True) -> ProxyServer:
        path = self.write_file("faultline.toml", render_config(routes, server, admin))
        proxy = ProxyServer(path, extra_env=extra_env)
        # SIGTERM means drain then exit 0: checked after every test, so a crash or a leak
        # report at exit (under ASan) fails the test that caused it.
        self.addCleanup(self._check_stopped, proxy.process, expect_clean_exit)
        return proxy

    def start_fake_upstream(self, **kwargs) -> FakeUpstream:
        upstream = FakeUpstream(**kwargs)
        self.addCleanup(upstream.close)
        return upstream

    def connect(self, port: int, timeout: float = DEFAULT_SOCKET_TIMEOUT) -> HttpConnection:
        conn = HttpConnection(port, timeout=timeout)
        self.addCleanup(conn.close)
        return conn

    def get(self, port: int, target: str, headers=None, timeout: float = DEFAULT_SOCKET_TIMEOUT, **kw) -> Response:
        return http_get(port, target, headers, timeout=timeout, **kw)

    def echo_and_proxy(self, server: dict | None = None, echo_threads: int | None = 2, **route_options):
        """The common setup: an echo upstream behind a proxy with a single "/" route."""
        echo = self.start_echo(threads=echo_threads)
        proxy = self.start_proxy([route("api", echo.port, "/", **route_options)], server=server)
        return echo, proxy


# --------------------------------------------------------------------------------------
# Metrics: the Prometheus text exposition and the admin JSON API
# --------------------------------------------------------------------------------------


class Sample:
    """One sample line of a Prometheus text exposition."""

    __slots__ = ("name", "labels", "value")

    def __init__(self, name: str, labels: dict, value: float):
        self.name = name
        self.labels = labels
        self.value = value

    def __repr__(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.name}{{{inner}}} {self.value!r}"


_SAMPLE_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _parse_float(text: str) -> float:
    special = {"+Inf": float("inf"), "Inf": float("inf"), "-Inf": float("-inf"), "NaN": float("nan")}
    return special[text] if text in special else float(text)


def parse_prometheus_text(text: str) -> tuple:
    """Parses text format 0.0.4 strictly. Returns (samples, types): samples a list of Sample,
    types {family name: "counter"|"gauge"|...} from the # TYPE lines. ValueError on any line
    that is not valid exposition."""
    samples, types = [], {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        match = _SAMPLE_NAME.match(line)
        if not match:
            raise ValueError(f"line {number}: no metric name: {line!r}")
        name, pos, labels = match.group(0), match.end(), {}
        if pos < len(line) and line[pos] == "{":
            pos += 1
            while True:  # each round consumes a label or the closing brace
                if line[pos] == "}":
                    pos += 1
                    break
                label = _LABEL_NAME.match(line, pos)
                if not label or line[label.end():label.end() + 2] != '="':
                    raise ValueError(f"line {number}: bad label at {pos}: {line!r}")
                pos = label.end() + 2
                value = []
                while line[pos] != '"':
                    if line[pos] == "\\":
                        value.append({"n": "\n", "\\": "\\", '"': '"'}[line[pos + 1]])
                        pos += 2
                    else:
                        value.append(line[pos])
                        pos += 1
                labels[label.group(0)] = "".join(value)
                pos += 1
                if line[pos] == ",":
                    pos += 1
        rest = line[pos:].split()
        if len(rest) not in (1, 2):
            raise ValueError(f"line {number}: expected a value (and a timestamp): {line!r}")
        samples.append(Sample(name, labels, _parse_float(rest[0])))
    return samples, types


def admin_get(admin_port: int, path: str, timeout: float = DEFAULT_SOCKET_TIMEOUT) -> Response:
    """GET on the admin listener (a fresh connection)."""
    return http_get(admin_port, path, timeout=timeout)


def scrape_metrics(admin_port: int, timeout: float = DEFAULT_SOCKET_TIMEOUT) -> list:
    """GET /metrics, checked for status 200, parsed into a list of Sample."""
    response = admin_get(admin_port, "/metrics", timeout=timeout)
    if response.status != 200:
        raise AssertionError(f"GET /metrics answered {response.status}: {response.body[:300]!r}")
    return parse_prometheus_text(response.body.decode("utf-8"))[0]


def admin_json(admin_port: int, path: str, timeout: float = DEFAULT_SOCKET_TIMEOUT):
    """GET path on the admin listener, checked for status 200, parsed as JSON."""
    response = admin_get(admin_port, path, timeout=timeout)
    if response.status != 200:
        raise AssertionError(f"GET {path} answered {response.status}: {response.body[:300]!r}")
    return json.loads(response.body.decode("utf-8"))


def select_samples(samples, name: str, **labels) -> list:
    """The samples of one series name whose labels include all of labels."""
    return [s for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]


def sum_samples(samples, name: str, **labels) -> float:
    return sum(s.value for s in select_samples(samples, name, **labels))
