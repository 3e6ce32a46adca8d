"""Reading a response while noting when each byte arrived, for the streaming tests.

read_timed() keeps the raw bytes of the connection and the time of every recv; the response
is parsed from them (head, then a chunked, sized or close-delimited body), so the arrival
time of body byte k is the time of the recv that carried it, whatever the framing. All
times are time.monotonic(), comparable with RecordingUpstream's send and receive times."""

from __future__ import annotations

import bisect
import socket
import time

from harness import header_values, is_chunked, parse_header_lines


class TimedResponse:
    def __init__(self):
        self.wire = bytearray()
        self._recv_ends: list = []  # wire length after each recv
        self._recv_times: list = []
        self.status: int | None = None
        self.headers: list = []
        self.head_at: float | None = None  # when the end of the head arrived
        self.body = b""
        self._segments: list = []  # (wire offset, length) of each piece of body
        self.complete = False  # the framing says the body is whole
        self.closed_at: float | None = None  # the peer closed (EOF or reset)
        self.timed_out = False

    def header(self, name: str):
        values = header_values(self.headers, name)
        return values[0] if values else None

    def time_of_wire_byte(self, offset: int) -> float:
        return self._recv_times[bisect.bisect_right(self._recv_ends, offset)]

    def time_of_body_byte(self, index: int):
        """When body byte index (0-based) arrived, or None if it never did."""
        seen = 0
        for offset, length in self._segments:
            if index < seen + length:
                return self.time_of_wire_byte(offset + index - seen)
            seen += length
        return None

    def _add(self, data: bytes, at: float) -> None:
        self.wire += data
        self._recv_ends.append(len(self.wire))
        self._recv_times.append(at)
        self._parse()

    def _parse(self) -> None:
        wire = bytes(self.wire)
        head_end = wire.find(b"\r\n\r\n")
        if head_end < 0:
            return
        if self.status is None:
            lines = wire[:head_end].split(b"\r\n")
            self.status = int(lines[0].split(b" ")[1])
            self.headers = parse_header_lines(lines[1:])
            self.head_at = self.time_of_wire_byte(head_end + 3)
        position = head_end + 4
        segments = []
        if is_chunked(self.headers):
            while True:  # each round reads one chunk or stops
                line_end = wire.find(b"\r\n", position)
                if line_end < 0:
                    break
                size = int(wire[position:line_end].split(b";")[0], 16)
                data_start = line_end + 2
                if size == 0:
                    self.complete = wire.find(b"\r\n\r\n", line_end) >= 0 or wire[data_start:data_start + 2] == b"\r\n"
                    break
                available = min(size, len(wire) - data_start)
                if available > 0:
                    segments.append((data_start, available))
                if available < size or len(wire) < data_start + size + 2:
                    break
                position = data_start + size + 2
        else:
            lengths = header_values(self.headers, "Content-Length")
            available = len(wire) - position
            if lengths:
                available = min(available, int(lengths[0]))
                self.complete = available == int(lengths[0])
            if available > 0:
                segments.append((position, available))
        self._segments = segments
        self.body = b"".join(wire[offset:offset + length] for offset, length in segments)

    def __repr__(self) -> str:
        return (f"<TimedResponse status={self.status} body={len(self.body)} bytes complete={self.complete} "
                f"closed={self.closed_at is not None} timed_out={self.timed_out} wire={bytes(self.wire[:300])!r}>")


def read_timed(sock: socket.socket, timeout: float, until_close: bool = False) -> TimedResponse:
    """Reads one response from sock until its body is complete (or, with until_close, until the
    peer closes), the peer closes, or timeout seconds pass."""
    response = TimedResponse()
    deadline = time.monotonic() + timeout
    while True:  # bounded by the deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            response.timed_out = True
            return response
        sock.settimeout(min(remaining, 0.1))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, ConnectionAbortedError):
            response.closed_at = time.monotonic()
            return response
        now = time.monotonic()
        if not data:
            response.closed_at = now
            return response
        response._add(data, now)
        if response.complete and not until_close:
            return response


def sse_event_ends(body: bytes) -> list:
    """Body offsets just past each server-sent event (each ends with an empty line)."""
    ends, position = [], 0
    while True:  # each round finds one event or stops
        found = body.find(b"\n\n", position)
        if found < 0:
            return ends
        ends.append(found + 2)
        position = found + 2
