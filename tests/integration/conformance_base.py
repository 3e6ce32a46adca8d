"""The client side of the conformance tests: send exact bytes on a raw socket, read what the
proxy answers (interim 1xx responses kept, not skipped), see whether it closes afterwards,
and assert a refusal the way the README promises it: the status, a `faultline: <reason>`
body, and nothing of the refused message at the upstream."""

from __future__ import annotations

import socket
import threading
import time

from harness import (
    LOOPBACK,
    ConnectionClosed,
    FaultlineTestCase,
    ProtocolError,
    Response,
    SocketReader,
    parse_header_lines,
    read_body,
    read_head_lines,
    route,
)
from recording_upstream import RecordingUpstream

EXCHANGE_TIMEOUT = 5.0  # seconds for any single answer from the proxy
QUIET_AFTER = 0.3  # seconds the upstream gets to show bytes it should never have received


class Exchange:
    """What one raw exchange with the proxy produced."""

    def __init__(self):
        self.interims: list = []  # (status, headers) of each 1xx before the final response
        self.response: Response | None = None
        self.error: str | None = None  # why no (complete) response could be read
        self.closed_after: bool | None = None  # the proxy closed the connection after it
        self.extra: bytes = b""  # bytes after the response (a second response, say)
        self.sent: int = 0  # request bytes the socket accepted
        self.send_error: str | None = None

    @property
    def status(self):
        return self.response.status if self.response else None

    def __repr__(self) -> str:
        interims = [status for status, _ in self.interims]
        return (f"<Exchange interims={interims} response={self.response!r} error={self.error!r} "
                f"closed_after={self.closed_after} extra={self.extra[:200]!r}>")


def read_one_response(reader: SocketReader, method: str, exchange: Exchange) -> Response:
    """Reads interim responses into exchange.interims, then the final response."""
    for _ in range(20):
        status_line = reader.readline(limit=1 << 20)
        if status_line == b"":
            raise ConnectionClosed("the proxy closed the connection without a response")
        parts = status_line.rstrip(b"\r\n").decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {status_line!r}")
        headers = parse_header_lines(read_head_lines(reader))
        status = int(parts[1])
        if 100 <= status < 200 and status != 101:
            exchange.interims.append((status, headers))
            continue
        response = Response(parts[0], status, parts[2] if len(parts) > 2 else "", headers)
        if method != "HEAD" and status not in (204, 304):
            body = bytearray()
            response.framing = read_body(reader, headers, body.extend, until_eof_allowed=True)
            response.body = bytes(body)
        response.received_at = time.monotonic()
        return response
    raise ProtocolError("more than 20 interim responses")


def closes_soon(sock: socket.socket, reader: SocketReader, timeout: float) -> tuple:
    """(closed, bytes seen before the close or the timeout)."""
    seen = bytearray()
    if reader.buffered():
        seen += reader._take(reader.buffered())
    deadline = time.monotonic() + timeout
    while True:  # bounded by the deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, bytes(seen)
        sock.settimeout(min(remaining, 0.2))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, ConnectionAbortedError):
            return True, bytes(seen)
        if not data:
            return True, bytes(seen)
        seen += data


def exchange(port: int, data, method: str = "GET", close_wait: float = 1.0,
             timeout: float = EXCHANGE_TIMEOUT, pieces_gap: float = 0.0) -> Exchange:
    """Sends data (bytes, or a list of pieces sent pieces_gap apart) on a fresh connection,
    reads one response, then watches up to close_wait seconds for the proxy to close."""
    result = Exchange()
    sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
    try:
        pieces = [data] if isinstance(data, (bytes, bytearray)) else list(data)
        try:
            for index, piece in enumerate(pieces):
                if index and pieces_gap:
                    time.sleep(pieces_gap)
                sock.sendall(piece)
                result.sent += len(piece)
        except OSError as error:  # the proxy may refuse and close before all is sent
            result.send_error = repr(error)
        reader = SocketReader(sock)
        try:
            result.response = read_one_response(reader, method, result)
        except (OSError, ConnectionClosed, ProtocolError) as error:
            result.error = f"{type(error).__name__}: {error}"
            return result
        result.closed_after, result.extra = closes_soon(sock, reader, close_wait)
        return result
    finally:
        sock.close()


class StreamingSender:
    """Sends pieces from a thread while the test reads the answer; records how far it got."""

    def __init__(self, sock: socket.socket, pieces, gap: float = 0.0):
        self.sock = sock
        self.pieces = pieces
        self.gap = gap
        self.sent = 0
        self.error: str | None = None
        self.finished_at: float | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            for piece in self.pieces:
                if self.gap:
                    time.sleep(self.gap)
                self.sock.sendall(piece)
                self.sent += len(piece)
        except OSError as error:
            self.error = repr(error)
        finally:
            self.finished_at = time.monotonic()

    def start(self) -> "StreamingSender":
        self.thread.start()
        return self

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)


class ConformanceTestCase(FaultlineTestCase):
    def start_recording_upstream(self, respond=None, **kwargs) -> RecordingUpstream:
        upstream = RecordingUpstream(respond=respond, **kwargs)
        self.addCleanup(upstream.close)
        return upstream

    def proxy_in_front(self, upstream: RecordingUpstream, server: dict | None = None,
                       admin: dict | None = None, extra_env: dict | None = None, **route_options):
        return self.start_proxy([route("api", upstream.port, "/", **route_options)], server=server,
                                admin=admin, extra_env=extra_env)

    def assert_faultline_error(self, result: Exchange, statuses, what: str,
                               upstream: RecordingUpstream | None = None) -> None:
        """The proxy answered one of statuses (an int or a tuple) with a faultline: body."""
        expected = (statuses,) if isinstance(statuses, int) else tuple(statuses)
        context = f"; {upstream.describe()}" if upstream is not None else ""
        self.assertIsNotNone(result.response, f"{what}: expected {expected}, got no response: {result!r}{context}")
        self.assertIn(result.status, expected, f"{what}: expected {expected}, got {result!r}{context}")
        self.assertTrue(result.response.body.startswith(b"faultline: "),
                        f"{what}: the body should say `faultline: <reason>`: {result.response.body[:300]!r}")

    def assert_refused(self, result: Exchange, statuses, upstream: RecordingUpstream, what: str,
                       closes: bool = True) -> None:
        """Refused with a faultline: error, the connection closed, and not one byte of the
        message reached the upstream."""
        self.assert_faultline_error(result, statuses, what, upstream)
        if closes:
            self.assertTrue(result.closed_after,
                            f"{what}: after refusing a message whose framing is in doubt the proxy "
                            f"must close the connection: {result!r}")
            self.assertEqual(result.extra, b"", f"{what}: nothing may follow the refusal: {result!r}")
        time.sleep(QUIET_AFTER)
        self.assertEqual(upstream.all_bytes(), b"",
                         f"{what}: nothing of a refused message may reach the upstream; "
                         + upstream.describe())

    def assert_forwarded_once(self, upstream: RecordingUpstream, body: bytes, what: str):
        """The upstream received exactly one well-formed request, with exactly this body and
        nothing after it; returns that request."""
        requests = upstream.wait_for_requests(1, timeout=EXCHANGE_TIMEOUT)
        time.sleep(QUIET_AFTER)
        requests = upstream.requests()
        self.assertEqual(len(requests), 1, f"{what}: expected exactly one request; " + upstream.describe())
        self.assertEqual(requests[0].body, body, f"{what}: body at the upstream; " + upstream.describe())
        for connection in upstream.connections():
            self.assertEqual(connection.unparsed(), b"",
                             f"{what}: bytes after the request at the upstream; " + upstream.describe())
        return requests[0]
