"""The request side of the README's HTTP/1.1 rules (RFC 9112, RFC 9110), one test per rule.

A hostile or confused client must not be able to make the proxy and the upstream read one
request two ways (request smuggling). Each test sends exact bytes on a raw socket to
`faultline proxy` in front of a recording upstream and checks three things: the status,
a `faultline: <reason>` body, and what the upstream received — not one byte of a refused
request, exactly one request with exactly its body for an accepted one.

Rules (RFC 9112 §6.1, §6.3; RFC 9110 §8.6; RFC 9112 §3.2, §5.1, §5.2):
- a Transfer-Encoding whose last coding is not chunked: 400, then close;
- a coding other than chunked before it (gzip, chunked): 501 — the proxy does not decode;
- Transfer-Encoding with Content-Length, in either order: 400, then close;
- more than one Host, differing or invalid Content-Length values: 400, then close;
  equal values ("5, 5", or two fields of 5) are one length (RFC 9110 §8.6 lets a recipient
  take them as a single valid Content-Length): forwarded once with a single Content-Length;
- obs-fold, whitespace before the colon, NUL / bare CR / bare LF in a field: 400;
- HTTP/1.0 with Transfer-Encoding: that one request is processed, then the connection
  closes (nothing pipelined behind it is read).
The size limits (max_header_bytes, chunk lines, trailers, memory) are in test_http_limits.py,
the upstream's side of the rules in test_http_upstream_conformance.py.
"""

from __future__ import annotations

import unittest

from conformance_base import ConformanceTestCase, exchange
from harness import header_values

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: faultline.test\r\n\r\n"


def request_bytes(request_line: str, fields, body: bytes = b"") -> bytes:
    """A request head written exactly as given (no field added or fixed), then body."""
    head = request_line + "\r\n" + "".join(f"{line}\r\n" for line in fields) + "\r\n"
    return head.encode("latin-1") + body


def post(fields, body: bytes = b"", target: str = "/upload") -> bytes:
    return request_bytes(f"POST {target} HTTP/1.1", ["Host: faultline.test", *fields], body)


HELLO_CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"


class ConformanceCase(ConformanceTestCase):
    def fresh_pair(self, **server):
        """A new recording upstream and a proxy in front of it (one per case, so each case's
        recording holds only its own traffic)."""
        upstream = self.start_recording_upstream()
        proxy = self.proxy_in_front(upstream, server=server or None)
        return upstream, proxy


class TransferEncodingTest(ConformanceCase):
    def test_transfer_encoding_whose_last_coding_is_not_chunked_is_400(self):
        cases = {
            # Read as "no body" by a lenient parser, the smuggled request would be forwarded
            # as a second request of its own.
            "chunked, identity": post(["Transfer-Encoding: chunked, identity"], SMUGGLED),
            "xchunked": post(["Transfer-Encoding: xchunked"], HELLO_CHUNKED + SMUGGLED),
            "identity with Content-Length": post(["Transfer-Encoding: identity", "Content-Length: 5"], b"hello"),
            "gzip alone": post(["Transfer-Encoding: gzip"], b"\x1f\x8b" + SMUGGLED),
            "chunked then identity in two fields": post(
                ["Transfer-Encoding: chunked", "Transfer-Encoding: identity"], HELLO_CHUNKED + SMUGGLED),
        }
        for name, data in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                self.assert_refused(exchange(proxy.port, data, "POST"), 400, upstream, name)

    def test_coding_other_than_chunked_is_501(self):
        # The proxy does not decode gzip or deflate, so it cannot hand the upstream a message
        # it is sure of: 501 Not Implemented (RFC 9112 §6.1), nothing forwarded.
        for coding in ("gzip, chunked", "deflate, chunked", "br, chunked"):
            with self.subTest(coding):
                upstream, proxy = self.fresh_pair()
                result = exchange(proxy.port, post([f"Transfer-Encoding: {coding}"], HELLO_CHUNKED), "POST")
                self.assert_refused(result, 501, upstream, coding, closes=False)

    def test_transfer_encoding_with_content_length_is_400(self):
        cases = {
            "TE first": post(["Transfer-Encoding: chunked", "Content-Length: 3"], HELLO_CHUNKED + SMUGGLED),
            "CL first": post(["Content-Length: 3", "Transfer-Encoding: chunked"], HELLO_CHUNKED + SMUGGLED),
            "CL 0 with TE": post(["Content-Length: 0", "Transfer-Encoding: chunked"], HELLO_CHUNKED),
        }
        for name, data in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                self.assert_refused(exchange(proxy.port, data, "POST"), 400, upstream, name)

    def test_http10_transfer_encoding_is_processed_once_then_the_connection_closes(self):
        # RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing as
        # far as what follows it goes: serve it, then close instead of reading on.
        upstream, proxy = self.fresh_pair()
        first = request_bytes("POST /once HTTP/1.0", [
            "Host: faultline.test", "Connection: keep-alive", "Transfer-Encoding: chunked"], HELLO_CHUNKED)
        second = request_bytes("GET /second HTTP/1.0", ["Host: faultline.test", "Connection: keep-alive"])
        result = exchange(proxy.port, first + second, "POST", close_wait=2.0)
        self.assertEqual(result.status, 200, result)
        self.assertTrue(result.closed_after, f"the connection must close after the request: {result!r}")
        self.assertEqual(result.extra, b"", f"the pipelined request must not be answered: {result!r}")
        request = self.assert_forwarded_once(upstream, b"hello", "HTTP/1.0 with Transfer-Encoding")
        self.assertEqual(request.target, "/once")


class HostAndContentLengthTest(ConformanceCase):
    def test_more_than_one_host_is_400(self):
        # RFC 9112 §3.2: routing and the upstream could otherwise pick different hosts.
        cases = {
            "different values": ["Host: faultline.test", "Host: evil.test"],
            "equal values": ["Host: faultline.test", "Host: faultline.test"],
            "apart": ["Host: faultline.test", "X-Between: 1", "Host: evil.test"],
        }
        for name, fields in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                data = request_bytes("GET /hosts HTTP/1.1", fields)
                self.assert_refused(exchange(proxy.port, data), 400, upstream, name)

    def test_differing_content_length_values_are_400(self):
        cases = {
            "two fields": ["Content-Length: 5", "Content-Length: 6"],
            "one list": ["Content-Length: 5, 6"],
            "list and field": ["Content-Length: 5, 5", "Content-Length: 6"],
        }
        for name, fields in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                result = exchange(proxy.port, post(fields, b"hello!" + SMUGGLED), "POST")
                self.assert_refused(result, 400, upstream, name)

    def test_invalid_content_length_is_400(self):
        # RFC 9112 §6.3 (5): an invalid Content-Length is an unrecoverable framing error.
        for value in ("+5", "-5", "0x5", "5 5", "five", "5;", ""):
            with self.subTest(value):
                upstream, proxy = self.fresh_pair()
                result = exchange(proxy.port, post([f"Content-Length: {value}"], b"hello"), "POST")
                self.assert_refused(result, 400, upstream, f"Content-Length: {value!r}")

    def test_equal_content_length_values_are_one_length(self):
        # RFC 9110 §8.6: a recipient may replace a list of identical values by one valid
        # Content-Length. The upstream gets one field, one body, and nothing after it.
        cases = {"one list": ["Content-Length: 5, 5"], "two fields": ["Content-Length: 5", "Content-Length: 5"]}
        for name, fields in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                result = exchange(proxy.port, post(fields, b"hello"), "POST")
                self.assertEqual(result.status, 200, f"{name}: {result!r}")
                request = self.assert_forwarded_once(upstream, b"hello", name)
                self.assertEqual(header_values(request.headers, "Content-Length"), ["5"],
                                 f"{name}: the upstream must see a single Content-Length: {request.raw_head!r}")


class FieldSyntaxTest(ConformanceCase):
    def check_refused_fields(self, cases: dict) -> None:
        for name, fields in cases.items():
            with self.subTest(name):
                upstream, proxy = self.fresh_pair()
                data = request_bytes("GET /fields HTTP/1.1", ["Host: faultline.test", *fields])
                self.assert_refused(exchange(proxy.port, data), 400, upstream, name)

    def test_obs_fold_is_400(self):
        # RFC 9112 §5.2: a server must reject obs-fold (or unfold it; we reject).
        self.check_refused_fields({
            "space": ["X-Folded: first", " second"],
            "tab": ["X-Folded: first", "\tsecond"],
            "fold after Host": ["X-A: 1", " Host: evil.test"],
        })

    def test_whitespace_before_the_colon_is_400(self):
        # RFC 9112 §5.1: "No whitespace is allowed between the field name and colon."
        self.check_refused_fields({
            "space": ["X-Spaced : value"],
            "tab": ["X-Spaced\t: value"],
            "Transfer-Encoding": ["Transfer-Encoding : chunked"],
        })

    def test_nul_cr_or_lf_in_a_field_is_400(self):
        # RFC 9110 §5.5: CR, LF and NUL are invalid in field values; RFC 9112 §2.2: a bare
        # CR must not be taken as a line break, and a bare LF inside a CRLF head would let
        # the proxy and the upstream disagree on where a field ends.
        self.check_refused_fields({
            "NUL in value": ["X-A: one\x00two"],
            "bare CR in value": ["X-A: one\rtwo"],
            "bare LF in value": ["X-A: one\nX-Injected: yes"],
            "NUL in name": ["X-\x00A: one"],
            "CR before a field": ["X-A: one", "\rX-B: two"],
        })


if __name__ == "__main__":
    unittest.main()
