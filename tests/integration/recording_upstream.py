"""A raw-socket HTTP/1.1 upstream that records every byte it receives and answers with
scripted bytes, for the conformance and streaming tests.

Why not harness.FakeUpstream: these tests must show exactly what reached the upstream
(nothing at all of a refused request; exactly one request with exactly this body; no
smuggled second request hidden after the first), when each byte arrived, and they need
answers no well-behaved server sends (a 100 then a 103 then a 200, a head and then one byte
every half second, a Transfer-Encoding beside a Content-Length, a 64 MiB chunk line).

Each accepted connection becomes a RecordedConnection: its raw bytes (every recv appended,
with a timestamp), the requests parsed from them, the offset where the parsed requests end
(anything after it was not a well-formed request), and the time each scripted piece was sent.

respond(request, connection) decides the answer to each parsed request. It returns
- bytes: sent at once;
- an iterable of steps: bytes (sent, timestamped in connection.sent_at), a number (sleep that
  many seconds, cut short by close()), CLOSE (close the connection) or RESET (close with RST);
- None: no answer; the connection stays open and keeps recording until the peer closes.
Requests the strict-enough parser here cannot read end the parsing (parse_error is set) but
the recording goes on until EOF, so the bytes that followed are still visible.

All times are time.monotonic(), comparable with the test's own clock.
"""

from __future__ import annotations

import select
import socket
import threading
import time

from harness import (
    DEFAULT_SOCKET_TIMEOUT,
    LOOPBACK,
    ConnectionClosed,
    ProtocolError,
    SocketReader,
    read_request,
    simple_response,
)

CLOSE = object()  # a step: close the connection (FIN)
RESET = object()  # a step: close the connection with a TCP reset (SO_LINGER 0)
MAX_CONNECTIONS = 10_000
MAX_RECORDED = 256 << 20  # raw bytes kept per connection; beyond this only the count grows


class _RecordingSocket:
    """The socket as SocketReader sees it: every byte read is also recorded."""

    def __init__(self, sock: socket.socket, connection: "RecordedConnection"):
        self._sock = sock
        self._connection = connection

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        self._connection._record(data)
        return data

    def recv_into(self, buffer, size: int = 0) -> int:
        count = self._sock.recv_into(buffer, size)
        self._connection._record(bytes(memoryview(buffer)[:count]))
        return count


class RecordedConnection:
    def __init__(self, index: int, lock: threading.Lock):
        self.index = index
        self.accepted_at = time.monotonic()
        self._lock = lock
        self._raw = bytearray()
        self.total_received = 0
        self.received_at: list = []  # (monotonic time, total bytes received so far)
        self.requests: list = []  # harness.RecordedRequest, in order
        self.request_ends: list = []  # total_received offset after each parsed request
        self.parse_error: str | None = None
        self.sent_at: list = []  # (monotonic time, bytes) of each scripted piece sent
        self.sent_bytes = 0  # scripted bytes the socket accepted
        self.send_error: str | None = None
        self.eof_at: float | None = None  # when the peer closed (EOF or reset)
        self.reader: SocketReader | None = None

    def _record(self, data: bytes) -> None:
        with self._lock:
            if data:
                if len(self._raw) < MAX_RECORDED:
                    self._raw += data[: MAX_RECORDED - len(self._raw)]
                self.total_received += len(data)
                self.received_at.append((time.monotonic(), self.total_received))
            elif self.eof_at is None:
                self.eof_at = time.monotonic()

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._raw)

    def parsed_end(self) -> int:
        """Offset in raw just after the last well-formed request."""
        with self._lock:
            return self.request_ends[-1] if self.request_ends else 0

    def unparsed(self) -> bytes:
        """Bytes received after the last well-formed request (a partial or bad message)."""
        return self.raw[self.parsed_end():]

    def first_byte_at(self, offset: int):
        """When byte number offset (0-based) of this connection arrived, or None."""
        with self._lock:
            for at, total in self.received_at:
                if total > offset:
                    return at
        return None

    def __repr__(self) -> str:
        return (f"<connection {self.index}: {self.total_received} bytes, {len(self.requests)} requests, "
                f"parse_error={self.parse_error!r}, raw={self.raw[:300]!r}>")


class RecordingUpstream:
    def __init__(self, respond=None, name: str = "recording", socket_timeout: float = DEFAULT_SOCKET_TIMEOUT):
        self.name = name
        self.respond = respond or (lambda request, connection: simple_response(name.encode()))
        self.socket_timeout = socket_timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._connections: list = []
        self._open: set = set()
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    # ---- serving ----

    def _accept_loop(self) -> None:
        while not self._stop.is_set() and len(self._connections) < MAX_CONNECTIONS:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                connection = RecordedConnection(len(self._connections), self._lock)
                self._connections.append(connection)
                self._open.add(sock)
                self._changed.notify_all()
            threading.Thread(target=self._serve, args=(sock, connection), daemon=True).start()

    def _serve(self, sock: socket.socket, connection: RecordedConnection) -> None:
        sock.settimeout(self.socket_timeout)
        reader = SocketReader(_RecordingSocket(sock, connection))
        connection.reader = reader
        try:
            while not self._stop.is_set():  # one request per round; ends at EOF or error
                try:
                    request = read_request(reader)
                except (ProtocolError, ConnectionClosed, ValueError) as error:
                    with self._lock:
                        connection.parse_error = f"{type(error).__name__}: {error}"
                    self._drain(sock, connection)
                    return
                if request is None:
                    return
                with self._lock:
                    connection.requests.append(request)
                    connection.request_ends.append(connection.total_received - reader.buffered())
                    self._changed.notify_all()
                answer = self.respond(request, connection)
                if answer is None:
                    self._drain(sock, connection)
                    return
                if not self._play(sock, connection, answer):
                    return
        except OSError as error:
            with self._lock:
                if connection.eof_at is None:
                    connection.eof_at = time.monotonic()
                connection.send_error = connection.send_error or repr(error)
        finally:
            with self._lock:
                self._open.discard(sock)
                if connection.eof_at is None:
                    connection.eof_at = time.monotonic()
                self._changed.notify_all()
            try:
                sock.close()
            except OSError:
                pass

    def _drain(self, sock: socket.socket, connection: RecordedConnection) -> None:
        """Keeps recording until the peer closes (or close() / the socket timeout)."""
        sink = bytearray(65536)
        while not self._stop.is_set():  # bounded by EOF, an error or the socket timeout
            try:
                count = sock.recv_into(sink)
            except socket.timeout:
                return
            except OSError:
                break
            connection._record(bytes(sink[:count]))
            if count == 0:
                return
        with self._lock:
            if connection.eof_at is None:
                connection.eof_at = time.monotonic()

    def _sleep(self, sock: socket.socket, connection: RecordedConnection, seconds: float) -> bool:
        """Waits seconds while still watching the socket, so a peer that closes during a
        scripted pause is seen (and what it sends meanwhile is kept for the next request).
        False when the peer closed or close() was called."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():  # bounded by the deadline
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            readable, _, _ = select.select([sock], [], [], min(remaining, 0.05))
            if not readable:
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            connection._record(data)
            if not data:
                return False
            connection.reader._buf += data
        return False

    def _play(self, sock: socket.socket, connection: RecordedConnection, answer) -> bool:
        """Sends the scripted answer; False when the connection is done."""
        steps = [answer] if isinstance(answer, (bytes, bytearray)) else answer
        for step in steps:
            if self._stop.is_set():
                return False
            if step is CLOSE:
                return False
            if step is RESET:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return False
            if isinstance(step, (int, float)):
                if not self._sleep(sock, connection, step):
                    return False
                continue
            # Stamped before the bytes leave: a test that has just read them must find the
            # stamp (appended after, it could still be missing on a loaded machine).
            stamp = (time.monotonic(), bytes(step[:64]))
            with self._lock:
                connection.sent_at.append(stamp)
            try:
                sock.sendall(step)
            except OSError as error:
                with self._lock:
                    connection.sent_at.remove(stamp)
                    connection.send_error = repr(error)
                return False
            with self._lock:
                connection.sent_bytes += len(step)
        return True

    # ---- what was received ----

    def connections(self) -> list:
        with self._lock:
            return list(self._connections)

    def all_bytes(self) -> bytes:
        return b"".join(connection.raw for connection in self.connections())

    def requests(self) -> list:
        return [request for connection in self.connections() for request in connection.requests]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list:
        """Waits until count requests were parsed (or timeout); returns those parsed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                requests = [r for c in self._connections for r in c.requests]
                remaining = deadline - time.monotonic()
                if len(requests) >= count or remaining <= 0:
                    return requests
                self._changed.wait(min(remaining, 0.1))

    def wait_for_connection_end(self, index: int = 0, timeout: float = 5.0):
        """Waits until connection index was closed by the peer; returns its eof time or None."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if index < len(self._connections) and self._connections[index].eof_at is not None:
                    return self._connections[index].eof_at
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(min(remaining, 0.1))

    def describe(self) -> str:
        """What the upstream received, for failure messages."""
        connections = self.connections()
        if not connections:
            return "the upstream accepted no connection"
        return "the upstream received:\n" + "\n".join(f"  {c!r}" for c in connections)

    # ---- lifecycle ----

    def close(self) -> None:
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self._lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._acceptor.join(timeout=5)


def raw_response(status_line: str, fields, body: bytes = b"") -> bytes:
    """A response head written exactly as given (no field added), then body."""
    head = status_line + "\r\n" + "".join(f"{line}\r\n" for line in fields) + "\r\n"
    return head.encode("latin-1") + body


def chunk(data: bytes, extension: bytes = b"") -> bytes:
    return f"{len(data):x}".encode() + extension + b"\r\n" + data + b"\r\n"
