"""The upstream's side of the README's HTTP/1.1 rules: what the proxy does with a response
whose framing could be read two ways, and with interim (1xx) responses.

A response the proxy cannot frame with certainty becomes a 502 with a `faultline: <reason>`
body (RFC 9112 §6.3: Transfer-Encoding with Content-Length, differing Content-Length values;
RFC 9112 §5.1, §5.2 and RFC 9110 §5.5: obs-fold, whitespace before the colon, NUL/CR/LF in a
field), and the upstream connection it came on is never reused: its next bytes cannot be
trusted to start a response. Chunk lines and trailers from the upstream are bounded as the
client's are: a 64 MiB chunk-extension line is cut, not buffered.

Interim responses (RFC 9110 §15.2): an HTTP/1.1 client gets the 100 and the 103 before the
final response; an HTTP/1.0 client, which knows none, gets only the final one.
"""

from __future__ import annotations

import os
import threading
import time
import unittest

from conformance_base import ConformanceTestCase, exchange
from harness import MiB, RssSampler, header_values, scrape_metrics, simple_response, sum_samples
from recording_upstream import raw_response

REQUEST_11 = b"GET /resource HTTP/1.1\r\nHost: faultline.test\r\n\r\n"
REQUEST_10 = b"GET /resource HTTP/1.0\r\nHost: faultline.test\r\n\r\n"
HOSTILE_BYTES = 64 * MiB
EARLY_BYTES = 16 * MiB
RSS_GROWTH_LIMIT = (32 if "ASAN_OPTIONS" in os.environ else 8) * MiB


class UpstreamConformanceCase(ConformanceTestCase):
    def upstream_answering(self, answer):
        """A recording upstream sending answer (bytes or steps) to every request, keeping the
        connection open after it, and a proxy in front of it."""
        upstream = self.start_recording_upstream(respond=lambda request, connection: answer)
        return upstream, self.proxy_in_front(upstream)

    def assert_502_and_not_reused(self, answer, what: str) -> None:
        upstream, proxy = self.upstream_answering(answer)
        result = exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assert_faultline_error(result, 502, what)
        self.assertEqual(result.response.header_all("Transfer-Encoding"), [], f"{what}: {result!r}")
        # The next request must not go down the connection the bad response came on.
        exchange(proxy.port, REQUEST_11, close_wait=0.0)
        connections = upstream.connections()
        self.assertEqual([len(c.requests) for c in connections], [1, 1],
                         f"{what}: after a response it cannot frame the proxy must not reuse the upstream "
                         f"connection; " + upstream.describe())


class UpstreamFramingTest(UpstreamConformanceCase):
    def test_transfer_encoding_with_content_length_is_502(self):
        cases = {
            "TE first": ["Transfer-Encoding: chunked", "Content-Length: 3"],
            "CL first": ["Content-Length: 3", "Transfer-Encoding: chunked"],
        }
        for name, fields in cases.items():
            with self.subTest(name):
                answer = raw_response("HTTP/1.1 200 OK", fields, b"5\r\nhello\r\n0\r\n\r\n")
                self.assert_502_and_not_reused(answer, f"a response with {name}")

    def test_differing_content_lengths_are_502(self):
        for name, fields in {"two fields": ["Content-Length: 5", "Content-Length: 6"],
                             "one list": ["Content-Length: 5, 6"]}.items():
            with self.subTest(name):
                self.assert_502_and_not_reused(raw_response("HTTP/1.1 200 OK", fields, b"hello!"), name)

    def test_equal_content_lengths_are_one_length(self):
        upstream, proxy = self.upstream_answering(raw_response("HTTP/1.1 200 OK", ["Content-Length: 5, 5"], b"hello"))
        result = exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assertEqual(result.status, 200, result)
        self.assertEqual(result.response.body, b"hello")
        self.assertEqual(result.response.header_all("Content-Length"), ["5"], result.response.headers)

    def test_field_syntax_errors_are_502(self):
        cases = {
            "obs-fold": ["Content-Length: 2", "X-Folded: first", " second"],
            "whitespace before the colon": ["Content-Length : 2"],
            "NUL in a value": ["Content-Length: 2", "X-A: one\x00two"],
            "bare CR in a value": ["Content-Length: 2", "X-A: one\rtwo"],
            "bare LF in a value": ["Content-Length: 2", "X-A: one\nSet-Cookie: injected=1"],
        }
        for name, fields in cases.items():
            with self.subTest(name):
                self.assert_502_and_not_reused(raw_response("HTTP/1.1 200 OK", fields, b"ok"), name)

    def test_coding_other_than_chunked_is_502_unless_forwarded_intact(self):
        # The proxy does not decode gzip: it may refuse (502), or pass the coding on with the
        # body unchanged. Dropping the coding and sending gzip bytes as plain is neither.
        gzipped = bytes.fromhex("1f8b08000000000000ffcb48cdc9c90700863ba63605000000")
        body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (gzipped[:10], gzipped[10:]))
        upstream, proxy = self.upstream_answering(
            raw_response("HTTP/1.1 200 OK", ["Transfer-Encoding: gzip, chunked"], body + b"0\r\n\r\n"))
        result = exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assertIsNotNone(result.response, result)
        if result.status == 502:
            self.assert_faultline_error(result, 502, "gzip, chunked from the upstream")
            return
        codings = [c.strip().lower() for v in result.response.header_all("Transfer-Encoding") for c in v.split(",")]
        self.assertEqual(codings, ["gzip", "chunked"],
                         f"the gzip coding must be kept (or the response refused with 502): {result.response.headers}")
        self.assertEqual(result.response.body, gzipped)

    def test_response_head_beyond_the_limit_is_502(self):
        answer = raw_response("HTTP/1.1 200 OK", ["Content-Length: 2", "X-Huge: " + "h" * MiB], b"ok")
        upstream, proxy = self.upstream_answering(answer)
        self.assert_faultline_error(exchange(proxy.port, REQUEST_11, close_wait=0.0), 502, "a 1 MiB response head")

    def test_http10_response_with_transfer_encoding_is_read_once_and_not_reused(self):
        # RFC 9112 §6.1: after an HTTP/1.0 message with Transfer-Encoding the connection's
        # framing is in doubt: use the message, then close that connection.
        answer = raw_response("HTTP/1.0 200 OK", ["Transfer-Encoding: chunked", "Connection: keep-alive"],
                              b"5\r\nhello\r\n0\r\n\r\n")
        upstream, proxy = self.upstream_answering(answer)
        first = exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assertEqual((first.status, first.response.body if first.response else None), (200, b"hello"), first)
        exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assertEqual([len(c.requests) for c in upstream.connections()], [1, 1],
                         "the upstream connection must not be reused; " + upstream.describe())


class UpstreamBodyLimitTest(UpstreamConformanceCase):
    def test_hostile_chunk_lines_from_the_upstream_are_cut_with_memory_flat(self):
        cases = {
            "chunk-extension line": (b"5;x=", b"a" * MiB, b"\r\nhello\r\n0\r\n\r\n"),
            "trailer section": (b"5\r\nhello\r\n0\r\n", b"".join(b"X-T: %s\r\n" % (b"t" * 1014) for _ in range(1024)),
                                b"\r\n"),
        }
        head = raw_response("HTTP/1.1 200 OK", ["Transfer-Encoding: chunked"])
        for name, (start, piece, finish) in cases.items():
            with self.subTest(name):
                steps = [head + start] + [piece] * (HOSTILE_BYTES // len(piece)) + [finish]
                upstream = self.start_recording_upstream(
                    respond=lambda request, connection: simple_response(b"warm") if request.target == "/warm" else steps)
                proxy = self.proxy_in_front(upstream)
                warm = exchange(proxy.port, b"GET /warm HTTP/1.1\r\nHost: faultline.test\r\n\r\n", close_wait=0.0)
                self.assertIsNotNone(warm.response, f"warm-up: {warm!r}")
                results = [None] * 4

                def one(index: int) -> None:
                    results[index] = exchange(proxy.port, REQUEST_11, close_wait=0.0, timeout=30.0)

                threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(4)]
                with RssSampler(proxy.pid, interval=0.02) as rss:
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join(60.0)
                problems = []
                if rss.growth >= RSS_GROWTH_LIMIT:
                    problems.append(f"the proxy's RSS grew by {rss.growth / MiB:.1f} MiB")
                for index, result in enumerate(results):
                    complete = result is not None and result.response is not None and result.response.body == b"hello"
                    if complete:
                        problems.append(f"client {index} got the whole response: {result!r}")
                    elif result is not None and result.response is not None and result.status != 502:
                        problems.append(f"client {index}: expected 502 (or a cut body), got {result!r}")
                for connection in upstream.connections():
                    if connection.sent_bytes >= EARLY_BYTES:
                        problems.append(f"upstream connection {connection.index} could send "
                                        f"{connection.sent_bytes / MiB:.0f} MiB before it was cut")
                self.assertEqual(problems, [], f"an upstream sending a {HOSTILE_BYTES // MiB} MiB {name} to 4 clients")


class RefusalsAreCountedTest(UpstreamConformanceCase):
    def test_refused_requests_and_unframeable_responses_are_counted(self):
        # A refusal is a request like any other in faultline_requests_total (by its code), and
        # a response the proxy cannot frame is an upstream protocol error.
        upstream, proxy = self.upstream_answering(
            raw_response("HTTP/1.1 200 OK", ["Content-Length: 5", "Content-Length: 6"], b"hello!"))
        smuggling = (b"POST /a HTTP/1.1\r\nHost: faultline.test\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Length: 3\r\n\r\n0\r\n\r\n",
                     b"POST /a HTTP/1.1\r\nHost: faultline.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
        for data in smuggling:
            self.assertEqual(exchange(proxy.port, data, close_wait=0.0).status, 400)
        for _ in range(2):
            self.assertEqual(exchange(proxy.port, REQUEST_11, close_wait=0.0).status, 502)
        deadline = time.monotonic() + 5.0
        while True:  # counters are merged on scrape; give the workers a moment
            samples = scrape_metrics(proxy.admin_port)
            counted = (sum_samples(samples, "faultline_requests_total", code="400"),
                       sum_samples(samples, "faultline_requests_total", code="502"),
                       sum_samples(samples, "faultline_upstream_errors_total", reason="protocol"))
            if counted == (2, 2, 2) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(counted, (2, 2, 2), "(requests with code 400, with code 502, upstream protocol errors)")


class InterimResponseTest(UpstreamConformanceCase):
    INTERIMS = (b"HTTP/1.1 100 Continue\r\n\r\n"
                b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
    FINAL = raw_response("HTTP/1.1 200 OK", ["Content-Length: 2"], b"ok")

    def test_interim_responses_are_dropped_for_an_http10_client(self):
        upstream, proxy = self.upstream_answering([self.INTERIMS, 0.05, self.FINAL])
        result = exchange(proxy.port, REQUEST_10, close_wait=0.0)
        self.assertEqual([status for status, _ in result.interims], [],
                         f"an HTTP/1.0 client must not get 1xx responses (RFC 9110 §15.2): {result!r}")
        self.assertEqual((result.status, result.response.body), (200, b"ok"), result)

    def test_interim_responses_are_forwarded_to_an_http11_client(self):
        upstream, proxy = self.upstream_answering([self.INTERIMS, 0.05, self.FINAL])
        result = exchange(proxy.port, REQUEST_11, close_wait=0.0)
        self.assertEqual([status for status, _ in result.interims], [100, 103], result)
        self.assertEqual(header_values(result.interims[1][1], "Link"), ["</style.css>; rel=preload"])
        self.assertEqual((result.status, result.response.body), (200, b"ok"), result)


if __name__ == "__main__":
    unittest.main()
