"""Routing (longest prefix, host, 404, absolute-form) and the headers a proxy removes or adds."""

import unittest

from harness import (
    FaultlineTestCase,
    encode_chunked,
    header_values,
    parse_echoed_headers,
    route,
)


class RoutingTest(FaultlineTestCase):
    def test_longest_prefix_wins(self):
        root = self.start_fake_upstream(name="root")
        api = self.start_fake_upstream(name="api")
        api_v2 = self.start_fake_upstream(name="api-v2")
        # Neither first-match nor last-match order gives the right answer for all three.
        proxy = self.start_proxy([
            route("api", api.port, "/api"),
            route("root", root.port, "/"),
            route("api-v2", api_v2.port, "/api/v2"),
        ])
        expected = {
            "/": "root",
            "/other": "root",
            "/api": "api",
            "/api/users": "api",
            "/api/v2": "api-v2",
            "/api/v2/users?id=1": "api-v2",
        }
        for target, upstream_name in expected.items():
            with self.subTest(target=target):
                response = self.get(proxy.port, target)
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.text(), upstream_name)

    def test_host_specific_route_wins_for_its_host(self):
        generic = self.start_fake_upstream(name="generic")
        shop = self.start_fake_upstream(name="shop")
        proxy = self.start_proxy([
            route("generic", generic.port, "/"),
            route("shop", shop.port, "/", host="shop.example"),
        ])
        for host, upstream_name in [("shop.example", "shop"), ("other.example", "generic")]:
            with self.subTest(host=host):
                response = self.get(proxy.port, "/cart", host=host)
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.text(), upstream_name)

    def test_unknown_route_returns_404_naming_path(self):
        api = self.start_fake_upstream(name="api")
        proxy = self.start_proxy([route("api", api.port, "/api")])
        response = self.get(proxy.port, "/nothing/here")
        self.assertEqual(response.status, 404, response)
        self.assertTrue(response.body.startswith(b"faultline:"), response.body)
        self.assertIn(b"/nothing/here", response.body)
        self.assertEqual(api.received(), [], "an unrouted request must not reach any upstream")

    def test_absolute_form_target_goes_to_configured_upstream(self):
        echo, proxy = self.echo_and_proxy()
        response = self.get(
            proxy.port,
            "http://evil.example/headers",
            headers=[("X-Probe", "absolute-form")],
            host="evil.example",
        )
        self.assertEqual(response.status, 200, response)
        self.assertIsNotNone(response.header("x-echo-connection"), "the answer must come from the echo upstream")
        received = parse_echoed_headers(response.body)
        self.assertEqual(header_values(received, "X-Probe"), ["absolute-form"],
                         f"the echo upstream must have served /headers; body was {response.body[:500]!r}")


class HopByHopHeadersTest(FaultlineTestCase):
    def upstream_headers(self, headers):
        echo, proxy = self.echo_and_proxy()
        response = self.get(proxy.port, "/headers", headers=headers)
        self.assertEqual(response.status, 200, response)
        return parse_echoed_headers(response.body)

    def test_headers_named_in_connection_are_not_forwarded(self):
        received = self.upstream_headers([
            ("Connection", "close, X-Secret"),
            ("X-Secret", "s3cret"),
            ("X-Kept", "yes"),
        ])
        self.assertEqual(header_values(received, "X-Secret"), [], received)
        self.assertEqual(header_values(received, "X-Kept"), ["yes"], received)
        for value in header_values(received, "Connection"):
            self.assertNotIn("x-secret", value.lower(), "the client's Connection value was forwarded")

    def test_standard_hop_by_hop_headers_are_not_forwarded(self):
        received = self.upstream_headers([
            ("Connection", "keep-alive, X-Hop"),
            ("Keep-Alive", "timeout=5, max=1000"),
            ("Proxy-Connection", "keep-alive"),
            ("TE", "trailers"),
            ("Upgrade", "h2c"),
            ("X-Hop", "1"),
            ("X-End-To-End", "kept"),
        ])
        for name in ("Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "X-Hop"):
            self.assertEqual(header_values(received, name), [], f"{name} reached the upstream: {received}")
        # The proxy may state its own hop's connection option; the client's must not pass.
        for value in header_values(received, "Connection"):
            self.assertIn(value.strip().lower(), ("keep-alive", "close"), f"forwarded Connection: {value!r}")
        self.assertEqual(header_values(received, "X-End-To-End"), ["kept"])

    def test_chunked_request_is_reframed_for_upstream(self):
        upstream = self.start_fake_upstream(name="recorder")
        proxy = self.start_proxy([route("api", upstream.port, "/")])
        conn = self.connect(proxy.port)
        pieces = [b"hello", b" ", b"chunked", b" world" * 100]
        conn.send(
            b"POST /upload HTTP/1.1\r\nHost: faultline.test\r\nTransfer-Encoding: chunked\r\n\r\n"
            + encode_chunked(pieces)
        )
        response = conn.read_response("POST")
        self.assertEqual(response.status, 200, response)
        requests = upstream.received()
        self.assertEqual(len(requests), 1)
        forwarded = requests[0]
        self.assertEqual(forwarded.body, b"".join(pieces))
        lengths = header_values(forwarded.headers, "Content-Length")
        codings = header_values(forwarded.headers, "Transfer-Encoding")
        self.assertFalse(lengths and codings, f"both Content-Length and Transfer-Encoding sent:\n{forwarded.raw_head!r}")
        if codings:
            self.assertEqual([c.lower() for c in codings], ["chunked"], forwarded.raw_head)
        else:
            self.assertEqual(lengths, [str(len(forwarded.body))], forwarded.raw_head)


class ForwardingHeadersTest(FaultlineTestCase):
    def upstream_headers(self, headers=None, host="faultline.test"):
        echo, proxy = self.echo_and_proxy()
        response = self.get(proxy.port, "/headers", headers=headers, host=host)
        self.assertEqual(response.status, 200, response)
        return parse_echoed_headers(response.body)

    def test_x_forwarded_for_appends_client_ip(self):
        received = self.upstream_headers([("X-Forwarded-For", "10.0.0.1")])
        self.assertEqual(header_values(received, "X-Forwarded-For"), ["10.0.0.1, 127.0.0.1"], received)

    def test_x_forwarded_for_is_set_when_absent(self):
        received = self.upstream_headers()
        self.assertEqual(header_values(received, "X-Forwarded-For"), ["127.0.0.1"], received)

    def test_x_forwarded_proto_is_http(self):
        received = self.upstream_headers()
        self.assertEqual(header_values(received, "X-Forwarded-Proto"), ["http"], received)

    def test_x_forwarded_host_is_original_host(self):
        received = self.upstream_headers(host="shop.example:8443")
        self.assertEqual(header_values(received, "X-Forwarded-Host"), ["shop.example:8443"], received)

    def test_via_names_faultline(self):
        received = self.upstream_headers()
        via = header_values(received, "Via")
        self.assertEqual(len(via), 1, received)
        self.assertIn("faultline", via[0])


if __name__ == "__main__":
    unittest.main()
