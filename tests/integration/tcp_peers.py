"""Helpers for the TCP proxy tests: a Python TCP upstream, a Toxiproxy API client and the
`faultline toxiproxy` process (Python standard library only).

- TcpEchoUpstream: a threaded TCP server on an ephemeral loopback port that echoes what it
  receives and closes its side when the client half-closes (so a FIN travels through the
  proxy in both directions). `greeting` bytes are sent first, as a database or a broker does.
- ToxiproxyApi: one HTTP request per call to a Toxiproxy API (faultline's or any other),
  as Toxiproxy's client libraries make them (JSON bodies, Content-Type: application/json).
- ToxiproxyProcess: `faultline toxiproxy -host 127.0.0.1 -port 0` with its bound port read
  from the log.
"""

from __future__ import annotations

import json
import socket
import threading
import time

from harness import LOOPBACK, FaultlineProcess, HttpConnection


class TcpEchoUpstream:
    """Echoes every byte back on every connection; counts connections and bytes."""

    def __init__(self, greeting: bytes = b""):
        self.greeting = greeting
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.address = f"{LOOPBACK}:{self.port}"
        self.lock = threading.Lock()
        self.connections = 0
        self.bytes_received = 0
        self.open_sockets: list = []
        self.closed = False
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open_sockets.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(60)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.greeting:
                conn.sendall(self.greeting)
            while True:
                data = conn.recv(256 * 1024)
                if not data:
                    break
                with self.lock:
                    self.bytes_received += len(data)
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            sockets = list(self.open_sockets)
        for conn in sockets:
            try:
                conn.close()
            except OSError:
                pass


class ApiAnswer:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"


class ToxiproxyApi:
    """A Toxiproxy HTTP API at 127.0.0.1:port."""

    USER_AGENT = "toxiproxy-cli/2.12.0 linux/amd64"

    def __init__(self, port: int):
        self.port = port

    def call(self, method: str, path: str, body=None, headers=None, raw: bytes | None = None) -> ApiAnswer:
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
        extra = headers or []
        request_headers = [("Content-Type", "application/json")]
        if not any(name.lower() == "user-agent" for name, _ in extra):
            request_headers.insert(0, ("User-Agent", self.USER_AGENT))
        request_headers += extra
        conn = HttpConnection(self.port)
        try:
            if payload is None and method in ("POST", "PATCH"):
                payload = b""  # a client sends Content-Length: 0 on a bodiless POST
            response = conn.request(method, path, request_headers, payload)
        finally:
            conn.close()
        return ApiAnswer(response.status, response.headers, response.body)

    def get(self, path: str) -> ApiAnswer:
        return self.call("GET", path)

    def post(self, path: str, body=None, raw: bytes | None = None) -> ApiAnswer:
        return self.call("POST", path, body, raw=raw)

    def patch(self, path: str, body=None) -> ApiAnswer:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> ApiAnswer:
        return self.call("DELETE", path)

    # The calls a client library makes, checked for their success status.

    def create_proxy(self, name: str, upstream: str, listen: str = "localhost:0", **extra) -> dict:
        answer = self.post("/proxies", dict(name=name, listen=listen, upstream=upstream, **extra))
        if answer.status != 201:
            raise AssertionError(f"POST /proxies {name}: {answer!r}")
        return answer.json()

    def add_toxic(self, proxy: str, toxic_type: str, attributes: dict, **extra) -> dict:
        answer = self.post(f"/proxies/{proxy}/toxics", dict(type=toxic_type, attributes=attributes, **extra))
        if answer.status != 200:
            raise AssertionError(f"POST /proxies/{proxy}/toxics {toxic_type}: {answer!r}")
        return answer.json()

    def remove_toxic(self, proxy: str, toxic: str) -> None:
        answer = self.delete(f"/proxies/{proxy}/toxics/{toxic}")
        if answer.status != 204:
            raise AssertionError(f"DELETE /proxies/{proxy}/toxics/{toxic}: {answer!r}")


class ToxiproxyProcess:
    """`faultline toxiproxy` on an ephemeral loopback port."""

    def __init__(self, extra_args=None, extra_env: dict | None = None):
        args = ["toxiproxy", "-host", LOOPBACK, "-port", "0", *(extra_args or [])]
        self.process = FaultlineProcess(args, extra_env=extra_env, name="toxiproxy")
        try:
            match = self.process.wait_for_line(r"toxiproxy API listening on 127\.0\.0\.1:(\d+)")
        except BaseException:
            self.process.kill()
            raise
        self.port = int(match.group(1))
        self.api = ToxiproxyApi(self.port)


def port_of(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    """Reads count bytes; fewer only if the peer closes first."""
    out = bytearray()
    while len(out) < count:
        data = sock.recv(min(256 * 1024, count - len(out)))
        if not data:
            break
        out += data
    return bytes(out)


def round_trip(sock: socket.socket, payload: bytes = b"ping") -> float:
    """Sends payload through an echoing path and waits for it back; returns seconds."""
    start = time.monotonic()
    sock.sendall(payload)
    echoed = recv_exactly(sock, len(payload))
    elapsed = time.monotonic() - start
    if echoed != payload:
        raise AssertionError(f"echo returned {echoed[:60]!r} for {payload[:60]!r}")
    return elapsed


def wait_closed(sock: socket.socket, timeout: float) -> tuple:
    """Reads until EOF or reset. Returns (how: 'eof'|'reset'|'open', seconds, bytes_seen)."""
    start = time.monotonic()
    seen = 0
    deadline = start + timeout
    while True:  # bounded by the deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "open", time.monotonic() - start, seen
        sock.settimeout(min(remaining, 0.25))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return "reset", time.monotonic() - start, seen
        if not data:
            return "eof", time.monotonic() - start, seen
        seen += len(data)


def connection_refused(port: int) -> bool:
    try:
        sock = socket.create_connection((LOOPBACK, port), timeout=2)
    except ConnectionRefusedError:
        return True
    sock.close()
    return False
