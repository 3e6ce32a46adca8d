"""`faultline toxiproxy`: the Toxiproxy HTTP API and its toxics, driven as Toxiproxy's README
and client libraries drive toxiproxy-server 2.12.

The answers checked here (status codes, JSON shapes and field order, defaults, error bodies)
are listed in tcp/README.md with where toxiproxy-server takes them from; every TCP
measurement goes through a real proxy to a Python echo upstream on loopback.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import unittest
import zlib

from harness import FaultlineTestCase, parse_prometheus_text, sum_samples
from tcp_peers import (
    TcpEchoUpstream,
    ToxiproxyProcess,
    connect,
    connection_refused,
    port_of,
    recv_exactly,
    round_trip,
    wait_closed,
)

PROXY_KEYS = ["name", "listen", "upstream", "enabled", "toxics"]
TOXIC_KEYS = ["attributes", "name", "type", "stream", "toxicity"]


def ordered_keys(raw: bytes) -> list:
    """The top-level keys of a JSON object in the order they were written."""
    pairs = json.loads(raw.decode(), object_pairs_hook=lambda items: items)
    return [key for key, _ in pairs]


class ToxiproxyTestCase(FaultlineTestCase):
    def setUp(self) -> None:
        self.server = ToxiproxyProcess()
        self.addCleanup(self._check_stopped, self.server.process, True)
        self.api = self.server.api
        self.upstream = TcpEchoUpstream()
        self.addCleanup(self.upstream.close)

    def proxy(self, name: str = "echo", **extra) -> int:
        """Creates a proxy to the echo upstream on an ephemeral port; returns that port."""
        return port_of(self.api.create_proxy(name, self.upstream.address, **extra)["listen"])

    def open(self, port: int) -> socket.socket:
        sock = connect(port)
        self.addCleanup(sock.close)
        return sock

    def assertApiError(self, answer, status: int, message: str, prefix: bool = False) -> None:
        self.assertEqual(answer.status, status, answer)
        self.assertTrue(answer.body.endswith(b"\n"), answer)
        self.assertEqual(answer.header("Content-Type"), "text/plain; charset=utf-8")
        body = answer.json()
        self.assertEqual(list(body), ["error", "status"])
        self.assertEqual(body["status"], status)
        if prefix:
            self.assertTrue(body["error"].startswith(message), body)
        else:
            self.assertEqual(body["error"], message)


class ProxyEndpoints(ToxiproxyTestCase):
    def test_version(self) -> None:
        answer = self.api.get("/version")
        self.assertEqual(answer.status, 200)
        self.assertEqual(answer.header("Content-Type"), "application/json;charset=utf-8")
        self.assertTrue(answer.body.endswith(b"\n"))
        self.assertRegex(answer.json()["version"], r"^2\.12\.0")

    def test_create_with_port_zero_answers_the_bound_address_and_proxies(self) -> None:
        answer = self.api.post("/proxies", {"name": "redis", "listen": "localhost:0",
                                            "upstream": self.upstream.address})
        self.assertEqual(answer.status, 201, answer)
        self.assertEqual(answer.header("Content-Type"), "application/json")
        self.assertFalse(answer.body.endswith(b"\n"))
        self.assertEqual(ordered_keys(answer.body), PROXY_KEYS)
        proxy = answer.json()
        self.assertEqual(proxy["name"], "redis")
        self.assertRegex(proxy["listen"], r"^127\.0\.0\.1:\d+$")
        self.assertNotEqual(port_of(proxy["listen"]), 0)
        self.assertEqual(proxy["upstream"], self.upstream.address)
        self.assertIs(proxy["enabled"], True)
        self.assertEqual(proxy["toxics"], [])
        sock = self.open(port_of(proxy["listen"]))
        round_trip(sock, b"hello through faultline")

    def test_list_and_get(self) -> None:
        self.assertEqual(self.api.get("/proxies").body, b"{}")
        self.proxy("b")
        self.proxy("a")
        listed = self.api.get("/proxies")
        self.assertEqual(listed.status, 200)
        self.assertEqual(ordered_keys(listed.body), ["a", "b"])
        shown = self.api.get("/proxies/a")
        self.assertEqual(shown.status, 200)
        self.assertEqual(shown.json(), listed.json()["a"])
        self.assertApiError(self.api.get("/proxies/missing"), 404, "proxy not found")

    def test_create_errors(self) -> None:
        self.proxy("taken")
        self.assertApiError(self.api.post("/proxies", {"name": "taken", "listen": "localhost:0",
                                                       "upstream": self.upstream.address}),
                            409, "proxy already exists")
        self.assertApiError(self.api.post("/proxies", {"listen": "localhost:0", "upstream": "x:1"}),
                            400, "missing required field: name")
        self.assertApiError(self.api.post("/proxies", {"name": "n", "listen": "localhost:0"}),
                            400, "missing required field: upstream")
        self.assertApiError(self.api.post("/proxies", raw=b""), 400, "bad request body: EOF")
        self.assertApiError(self.api.post("/proxies", raw=b"{not json"), 400, "bad request body: ", prefix=True)
        self.assertApiError(self.api.post("/proxies", {"name": 5, "upstream": "x:1"}), 400,
                            "bad request body: ", prefix=True)

    def test_create_disabled_does_not_listen(self) -> None:
        answer = self.api.post("/proxies", {"name": "off", "listen": "127.0.0.1:0",
                                            "upstream": self.upstream.address, "enabled": False})
        self.assertEqual(answer.status, 201, answer)
        self.assertEqual(answer.json()["listen"], "127.0.0.1:0")
        self.assertIs(answer.json()["enabled"], False)

    def test_update_with_post_and_patch(self) -> None:
        port = self.proxy("db")
        sock = self.open(port)
        round_trip(sock)
        answer = self.api.patch("/proxies/db", {"enabled": False})
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(ordered_keys(answer.body), PROXY_KEYS)
        self.assertIs(answer.json()["enabled"], False)
        # The listener and its connections are closed.
        how, _, _ = wait_closed(sock, 5)
        self.assertIn(how, ("eof", "reset"))
        self.assertTrue(connection_refused(port))
        answer = self.api.post("/proxies/db", {"enabled": True})
        self.assertEqual(answer.status, 200, answer)
        self.assertIs(answer.json()["enabled"], True)
        self.assertEqual(port_of(answer.json()["listen"]), port)
        round_trip(self.open(port))
        # A new upstream: the next connection goes there.
        other = TcpEchoUpstream(greeting=b"other ")
        self.addCleanup(other.close)
        answer = self.api.patch("/proxies/db", {"upstream": other.address})
        self.assertEqual(answer.json()["upstream"], other.address)
        self.assertEqual(recv_exactly(self.open(port), 6), b"other ")
        self.assertApiError(self.api.patch("/proxies/missing", {"enabled": False}), 404, "proxy not found")
        self.assertApiError(self.api.call("PATCH", "/proxies/db", raw=b"[1"), 400, "bad request body: ",
                            prefix=True)

    def test_delete(self) -> None:
        port = self.proxy("gone")
        sock = self.open(port)
        round_trip(sock)
        answer = self.api.delete("/proxies/gone")
        self.assertEqual(answer.status, 204)
        self.assertEqual(answer.body, b"")
        self.assertIn(wait_closed(sock, 5)[0], ("eof", "reset"))
        self.assertTrue(connection_refused(port))
        self.assertApiError(self.api.delete("/proxies/gone"), 404, "proxy not found")

    def test_populate_creates_keeps_and_replaces(self) -> None:
        body = [{"name": "one", "listen": "127.0.0.1:0", "upstream": self.upstream.address},
                {"name": "two", "listen": "127.0.0.1:0", "upstream": self.upstream.address,
                 "enabled": False}]
        answer = self.api.post("/populate", body)
        self.assertEqual(answer.status, 201, answer)
        self.assertEqual(ordered_keys(answer.body), ["proxies"])
        proxies = answer.json()["proxies"]
        self.assertEqual([p["name"] for p in proxies], ["one", "two"])
        self.assertIs(proxies[0]["enabled"], True)
        self.assertIs(proxies[1]["enabled"], False)
        one_listen = proxies[0]["listen"]
        round_trip(self.open(port_of(one_listen)))
        # The same proxy again, now with its bound address: kept as it is, toxics included.
        self.api.add_toxic("one", "latency", {"latency": 1})
        again = self.api.post("/populate", [{"name": "one", "listen": one_listen,
                                             "upstream": self.upstream.address}])
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.json()["proxies"][0]["listen"], one_listen)
        self.assertEqual(len(again.json()["proxies"][0]["toxics"]), 1)
        # A different upstream: replaced by a new proxy, without toxics.
        other = TcpEchoUpstream()
        self.addCleanup(other.close)
        replaced = self.api.post("/populate", [{"name": "one", "listen": one_listen, "upstream": other.address}])
        self.assertEqual(replaced.status, 201, replaced)
        self.assertEqual(replaced.json()["proxies"][0]["upstream"], other.address)
        self.assertEqual(replaced.json()["proxies"][0]["toxics"], [])
        self.assertEqual(self.api.post("/populate", []).body, b'{"proxies":null}')

    def test_populate_errors(self) -> None:
        answer = self.api.post("/populate", [{"name": "x", "listen": "127.0.0.1:0"}])
        self.assertEqual(answer.status, 400, answer)
        self.assertEqual(answer.json(), {"error": "missing required field: upstream at proxy 1",
                                         "status": 400, "proxies": None})
        answer = self.api.post("/populate", [{"name": "x", "upstream": "127.0.0.1:1"}, {"upstream": "y:1"}])
        self.assertEqual(answer.json()["error"], "missing required field: name at proxy 2")
        answer = self.api.post("/populate", {"name": "not an array"})
        self.assertEqual(answer.status, 400)
        self.assertTrue(answer.json()["error"].startswith("bad request body: "), answer)
        self.assertEqual(self.api.get("/proxies").body, b"{}")

    def test_reset_enables_every_proxy_and_removes_every_toxic(self) -> None:
        port = self.proxy("r")
        self.api.add_toxic("r", "latency", {"latency": 500})
        self.api.patch("/proxies/r", {"enabled": False})
        answer = self.api.post("/reset")
        self.assertEqual(answer.status, 204, answer)
        self.assertEqual(answer.body, b"")
        shown = self.api.get("/proxies/r").json()
        self.assertIs(shown["enabled"], True)
        self.assertEqual(shown["toxics"], [])
        self.assertLess(round_trip(self.open(port)), 0.4)

    def test_router_answers(self) -> None:
        answer = self.api.get("/nothing/here")
        self.assertEqual((answer.status, answer.body), (404, b"404 page not found\n"))
        answer = self.api.call("PUT", "/proxies")
        self.assertEqual((answer.status, answer.body), (405, b""))
        answer = self.api.call("GET", "/proxies", headers=[("User-Agent", "Mozilla/5.0 (X11)")])
        self.assertEqual((answer.status, answer.body), (403, b"User agent not allowed\n"))


class ToxicEndpoints(ToxiproxyTestCase):
    def test_add_with_defaults_list_get_update_delete(self) -> None:
        self.proxy("p")
        answer = self.api.post("/proxies/p/toxics", {"type": "latency", "attributes": {"latency": 40}})
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(ordered_keys(answer.body), TOXIC_KEYS)
        self.assertEqual(answer.body,
                         b'{"attributes":{"latency":40,"jitter":0},"name":"latency_downstream",'
                         b'"type":"latency","stream":"downstream","toxicity":1}')
        self.api.add_toxic("p", "bandwidth", {"rate": 100}, stream="upstream", toxicity=0.5, name="slow up")
        listed = self.api.get("/proxies/p/toxics")
        self.assertEqual(listed.status, 200)
        # The upstream chain first, then the downstream one.
        self.assertEqual([t["name"] for t in listed.json()], ["slow up", "latency_downstream"])
        self.assertEqual(listed.json()[0]["toxicity"], 0.5)
        self.assertEqual(self.api.get("/proxies/p").json()["toxics"], listed.json())
        shown = self.api.get("/proxies/p/toxics/slow%20up")
        self.assertEqual(shown.status, 200, shown)
        self.assertEqual(shown.json()["attributes"], {"rate": 100})
        # Update: attributes merge, absent toxicity is kept; name, type and stream stay.
        updated = self.api.patch("/proxies/p/toxics/latency_downstream",
                                 {"attributes": {"jitter": 5}, "type": "timeout", "stream": "upstream"})
        self.assertEqual(updated.status, 200, updated)
        self.assertEqual(updated.json(), {"attributes": {"latency": 40, "jitter": 5}, "name": "latency_downstream",
                                          "type": "latency", "stream": "downstream", "toxicity": 1})
        updated = self.api.post("/proxies/p/toxics/latency_downstream", {"toxicity": 0.25})
        self.assertEqual(updated.json()["toxicity"], 0.25)
        self.assertEqual(updated.json()["attributes"], {"latency": 40, "jitter": 5})
        deleted = self.api.delete("/proxies/p/toxics/latency_downstream")
        self.assertEqual((deleted.status, deleted.body), (204, b""))
        self.assertEqual([t["name"] for t in self.api.get("/proxies/p/toxics").json()], ["slow up"])

    def test_attribute_shapes_of_every_type(self) -> None:
        self.proxy("p")
        expected = {
            "latency": {"latency": 0, "jitter": 0},
            "bandwidth": {"rate": 0},
            "slow_close": {"delay": 0},
            "timeout": {"timeout": 0},
            "reset_peer": {"timeout": 0},
            "slicer": {"average_size": 0, "size_variation": 0, "delay": 0},
            "limit_data": {"bytes": 0},
            "noop": {},
        }
        for toxic_type, attributes in expected.items():
            added = self.api.add_toxic("p", toxic_type, {}, stream="upstream")
            self.assertEqual(added["attributes"], attributes, toxic_type)
            self.assertEqual(added["name"], f"{toxic_type}_upstream")

    def test_toxic_errors(self) -> None:
        self.proxy("p")
        self.api.add_toxic("p", "latency", {"latency": 1})
        self.assertApiError(self.api.post("/proxies/p/toxics", {"type": "latency"}), 409, "toxic already exists")
        # The name is shared by both directions.
        self.assertApiError(self.api.post("/proxies/p/toxics", {"type": "timeout", "name": "latency_downstream",
                                                               "stream": "upstream"}),
                            409, "toxic already exists")
        self.assertApiError(self.api.post("/proxies/p/toxics", {"type": "latency", "stream": "sideways"}),
                            400, "stream was invalid, can be either upstream or downstream")
        self.assertApiError(self.api.post("/proxies/p/toxics", {"type": "earthquake"}), 400, "invalid toxic type")
        self.assertApiError(self.api.post("/proxies/p/toxics", {"type": "latency", "name": "x",
                                                               "attributes": {"latency": 1.5}}),
                            400, "bad request body: ", prefix=True)
        self.assertApiError(self.api.post("/proxies/p/toxics", raw=b"{"), 400, "bad request body: ", prefix=True)
        self.assertApiError(self.api.post("/proxies/none/toxics", {"type": "latency"}), 404, "proxy not found")
        self.assertApiError(self.api.get("/proxies/none/toxics"), 404, "proxy not found")
        self.assertApiError(self.api.get("/proxies/p/toxics/nope"), 404, "toxic not found")
        self.assertApiError(self.api.patch("/proxies/p/toxics/nope", {"toxicity": 1}), 404, "toxic not found")
        self.assertApiError(self.api.delete("/proxies/p/toxics/nope"), 404, "toxic not found")
        # The stream is parsed whatever its case and echoed as given.
        mixed = self.api.add_toxic("p", "slow_close", {"delay": 1}, stream="UpStream")
        self.assertEqual((mixed["stream"], mixed["name"]), ("UpStream", "slow_close_UpStream"))


class ToxicSemantics(ToxiproxyTestCase):
    def test_latency_adds_its_delay_to_each_direction(self) -> None:
        port = self.proxy()
        sock = self.open(port)
        baseline = min(round_trip(sock) for _ in range(5))
        self.api.add_toxic("echo", "latency", {"latency": 100})
        self.api.add_toxic("echo", "latency", {"latency": 50}, stream="upstream")
        times = [round_trip(sock) for _ in range(5)]
        self.assertGreaterEqual(min(times), 0.150)
        self.assertLess(min(times), 0.150 + baseline + 0.060, times)

    def test_latency_jitter_spreads_round_trips(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "latency", {"latency": 100, "jitter": 50})
        sock = self.open(port)
        times = [round_trip(sock) for _ in range(12)]
        self.assertGreaterEqual(min(times), 0.048, times)
        self.assertLess(max(times), 0.150 + 0.080, times)
        self.assertGreater(max(times) - min(times), 0.010, times)

    def test_bandwidth_is_in_kilobytes_per_second(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "bandwidth", {"rate": 100})  # 100 KB/s = 100,000 bytes/s
        sock = self.open(port)
        payload = bytes(200_000)
        start = time.monotonic()
        sock.sendall(payload)
        self.assertEqual(len(recv_exactly(sock, len(payload))), len(payload))
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 1.8)
        self.assertLess(elapsed, 3.0)

    def test_timeout_closes_after_its_time(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "timeout", {"timeout": 500}, stream="upstream")
        sock = self.open(port)
        sock.sendall(b"swallowed")
        how, seconds, seen = wait_closed(sock, 5)
        self.assertIn(how, ("eof", "reset"))
        self.assertEqual(seen, 0)
        self.assertGreater(seconds, 0.4)
        self.assertLess(seconds, 2.0)

    def test_removing_a_timeout_closes_what_it_held(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "timeout", {"timeout": 0})
        sock = self.open(port)
        sock.sendall(b"held")
        self.assertEqual(wait_closed(sock, 0.5)[0], "open")
        self.api.remove_toxic("echo", "timeout_downstream")
        how, seconds, _ = wait_closed(sock, 3)
        self.assertIn(how, ("eof", "reset"))
        # Connections made after the removal flow freely.
        round_trip(self.open(port))

    def test_reset_peer_sends_rst(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "reset_peer", {"timeout": 0}, stream="upstream")
        sock = self.open(port)
        sock.sendall(b"data")
        with self.assertRaises(ConnectionResetError):
            for _ in range(50):  # bounded: the reset comes within 5 s or the test fails
                sock.settimeout(0.1)
                try:
                    if not sock.recv(100):
                        self.fail("the connection ended with a FIN, not a reset")
                except socket.timeout:
                    continue
            self.fail("no reset within 5 s")

    def test_reset_peer_waits_its_timeout(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "reset_peer", {"timeout": 300}, stream="upstream")
        sock = self.open(port)
        start = time.monotonic()
        sock.sendall(b"data")
        how, _, _ = wait_closed(sock, 5)
        self.assertEqual(how, "reset")
        self.assertGreater(time.monotonic() - start, 0.25)

    def test_limit_data_counts_each_direction(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "limit_data", {"bytes": 10_000}, stream="upstream")
        sock = self.open(port)
        # Downstream is not limited: 5000 up and 5000 back.
        sock.sendall(bytes(5000))
        self.assertEqual(len(recv_exactly(sock, 5000)), 5000)
        # Upstream passes 5000 more, then the whole connection is closed (as Toxiproxy does:
        # what the echo sends back after that may be lost).
        sock.sendall(bytes(6000))
        how, _, seen = wait_closed(sock, 5)
        self.assertIn(how, ("eof", "reset"))
        self.assertLessEqual(seen, 5000)
        deadline = time.monotonic() + 5
        while self.upstream.bytes_received < 10_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)  # a byte past the limit would have arrived by now
        self.assertEqual(self.upstream.bytes_received, 10_000)

    def test_limit_data_downstream(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "limit_data", {"bytes": 1000})
        sock = self.open(port)
        sock.sendall(bytes(5000))
        how, _, seen = wait_closed(sock, 5)
        self.assertEqual((how, seen), ("eof", 1000))

    def test_slicer_cuts_data_into_small_delayed_pieces(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "slicer", {"average_size": 100, "size_variation": 0, "delay": 20_000})
        sock = self.open(port)
        start = time.monotonic()
        sock.sendall(bytes(1000))
        sizes = []
        while sum(sizes) < 1000:  # bounded by the socket timeout and the byte count
            data = sock.recv(65536)
            self.assertTrue(data)
            sizes.append(len(data))
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 0.150)
        self.assertGreaterEqual(len(sizes), 5, sizes)
        self.assertLessEqual(max(sizes), 200, sizes)

    def test_slow_close_delays_the_close(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "slow_close", {"delay": 500})
        sock = self.open(port)
        round_trip(sock)
        start = time.monotonic()
        sock.shutdown(socket.SHUT_WR)
        how, _, _ = wait_closed(sock, 5)
        self.assertEqual(how, "eof")
        self.assertGreater(time.monotonic() - start, 0.45)

    def test_toxicity_is_rolled_per_connection(self) -> None:
        port = self.proxy()
        self.api.add_toxic("echo", "latency", {"latency": 150}, toxicity=0.5)
        slow = 0
        for _ in range(30):
            sock = connect(port)
            try:
                times = [round_trip(sock) for _ in range(3)]
            finally:
                sock.close()
            classes = {t >= 0.140 for t in times}
            self.assertEqual(len(classes), 1, f"one connection, mixed round trips: {times}")
            slow += classes.pop()
        # Binomial(30, 0.5): outside [5, 25] has probability below 0.1 %.
        self.assertGreaterEqual(slow, 5)
        self.assertLessEqual(slow, 25)

    def test_a_new_toxic_reaches_an_open_connection(self) -> None:
        port = self.proxy()
        sock = self.open(port)
        self.assertLess(round_trip(sock), 0.1)
        self.api.add_toxic("echo", "latency", {"latency": 200})
        self.assertGreaterEqual(round_trip(sock), 0.195)
        self.api.remove_toxic("echo", "latency_downstream")
        self.assertLess(round_trip(sock), 0.1)

    def test_toxics_coming_and_going_mid_stream_keep_every_byte_in_order(self) -> None:
        # An unfaulted direction is relayed by its reader alone; a toxic hands it to the
        # staged writer and its removal hands it back, with data in flight each time.
        port = self.proxy()
        sock = self.open(port)
        total = 24 * 1024 * 1024
        payload = bytes(random.Random(7).randbytes(1024 * 1024))
        received = bytearray()

        def receive() -> None:
            while len(received) < total:
                data = sock.recv(256 * 1024)
                if not data:
                    return
                received.extend(data)

        reader = threading.Thread(target=receive, daemon=True)
        reader.start()
        sent = 0
        toxics = [("latency", {"latency": 1}, "upstream"), ("slicer", {"average_size": 4096, "delay": 10}, "downstream"),
                  ("latency", {"latency": 2}, "downstream")]
        step = 0
        while sent < total:
            sock.sendall(payload)
            sent += len(payload)
            kind, attributes, stream = toxics[step % len(toxics)]
            name = f"{kind}_{stream}"
            if step % 2 == 0:
                self.api.add_toxic("echo", kind, attributes, stream=stream, name=name)
            else:
                self.api.remove_toxic("echo", self.api.get("/proxies/echo/toxics").json()[0]["name"])
            step += 1
        reader.join(timeout=60)
        self.assertEqual(len(received), total)
        self.assertEqual(zlib.crc32(bytes(received)), zlib.crc32(payload * (total // len(payload))))

    def test_an_unreachable_upstream_closes_the_client(self) -> None:
        # Bound but not listening, and kept bound, so no listener can take its port meanwhile
        # (the proxy's own ephemeral port, say): connecting to it is refused.
        dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(dead.close)
        dead.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{dead.getsockname()[1]}"
        listen = self.api.create_proxy("dead", address)["listen"]
        sock = self.open(port_of(listen))
        self.assertIn(wait_closed(sock, 5)[0], ("eof", "reset"))

    def test_metrics_count_connections_and_bytes(self) -> None:
        port = self.proxy("counted")
        sock = self.open(port)
        round_trip(sock, bytes(1234))
        sock.close()
        deadline = time.monotonic() + 5
        while True:  # bounded: the closed connection is counted within 5 s
            answer = self.api.get("/metrics")
            self.assertEqual(answer.status, 200)
            samples = parse_prometheus_text(answer.body.decode())[0]
            if sum_samples(samples, "faultline_tcp_connections_total", proxy="counted") >= 1 or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(sum_samples(samples, "faultline_tcp_connections_total", proxy="counted",
                                     outcome="ok"), 1)
        self.assertEqual(sum_samples(samples, "faultline_tcp_bytes_total", proxy="counted",
                                     direction="upstream"), 1234)
        self.assertEqual(sum_samples(samples, "faultline_tcp_bytes_total", proxy="counted",
                                     direction="downstream"), 1234)
        self.assertEqual(sum_samples(samples, "faultline_tcp_active_connections", proxy="counted"), 0)


if __name__ == "__main__":
    unittest.main()
