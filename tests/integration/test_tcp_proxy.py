"""`faultline proxy` with [[tcp]] proxies and [toxiproxy] listen: relaying, hot reload that
leaves unchanged proxies' connections alone, enabled = false, the TCP metrics on the admin
listener, SIGTERM, and a 1 GiB stream through an unfaulted TCP proxy."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
import unittest
import zlib

from harness import (
    GiB,
    MiB,
    FaultlineTestCase,
    ProxyServer,
    RssSampler,
    admin_json,
    scrape_metrics,
    sum_samples,
)
from tcp_peers import (
    TcpEchoUpstream,
    ToxiproxyApi,
    connect,
    connection_refused,
    port_of,
    recv_exactly,
    round_trip,
    wait_closed,
)

LISTENING = r"tcp proxy {name} listening on 127\.0\.0\.1:(\d+)"


def tcp_config(proxies, extra: str = "", drain_timeout: str = "2s") -> str:
    lines = ["[server]", 'listen = "127.0.0.1:0"', "threads = 2", f'drain_timeout = "{drain_timeout}"',
             "", "[admin]", 'listen = "127.0.0.1:0"', ""]
    for proxy in proxies:
        lines.append("[[tcp]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in proxy.items()]
        lines.append("")
    return "\n".join(lines) + extra + "\n"


class TcpProxyTestCase(FaultlineTestCase):
    def start(self, proxies, extra: str = "", drain_timeout: str = "2s") -> ProxyServer:
        self.config_path = self.write_file("faultline.toml", tcp_config(proxies, extra, drain_timeout))
        server = ProxyServer(self.config_path)
        self.addCleanup(self._check_stopped, server.process, True)
        return server

    def port_of(self, server: ProxyServer, name: str, after: int = 0) -> int:
        """The port the log says TCP proxy `name` listens on (the `after`-th time it said so)."""
        pattern = re.compile(LISTENING.format(name=re.escape(name)))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            matches = [m for m in map(pattern.search, server.process.lines()) if m]
            if len(matches) > after:
                return int(matches[after].group(1))
            time.sleep(0.02)
        self.fail(f"no '{pattern.pattern}' line\n{server.process.output_tail()}")

    def echo(self, greeting: bytes = b"") -> TcpEchoUpstream:
        upstream = TcpEchoUpstream(greeting=greeting)
        self.addCleanup(upstream.close)
        return upstream

    def open(self, port: int) -> socket.socket:
        sock = connect(port)
        self.addCleanup(sock.close)
        return sock

    def rewrite(self, proxies, extra: str = "") -> None:
        # Written beside and renamed over, as editors and ConfigMaps do.
        temporary = self.config_path + ".new"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(tcp_config(proxies, extra))
        os.replace(temporary, self.config_path)


class Relaying(TcpProxyTestCase):
    def test_relays_both_ways_and_passes_a_half_close_on(self) -> None:
        upstream = self.echo(greeting=b"hello ")
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}])
        sock = self.open(self.port_of(server, "db"))
        self.assertEqual(recv_exactly(sock, 6), b"hello ")
        round_trip(sock, b"x" * 100_000)
        # The client's FIN reaches the upstream, which answers and closes: all of it comes back.
        sock.sendall(b"last words")
        sock.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_exactly(sock, 10), b"last words")
        self.assertEqual(wait_closed(sock, 5)[0], "eof")

    def test_disabled_proxy_refuses_connections(self) -> None:
        upstream = self.echo()
        server = self.start([
            {"name": "on", "listen": "127.0.0.1:0", "upstream": upstream.address},
            {"name": "off", "listen": "127.0.0.1:0", "upstream": upstream.address, "enabled": False},
        ])
        round_trip(self.open(self.port_of(server, "on")))
        self.assertFalse(any("tcp proxy off listening" in line for line in server.process.lines()))

    def test_metrics_and_stats_on_the_admin_listener(self) -> None:
        upstream = self.echo()
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}])
        sock = connect(self.port_of(server, "db"))
        round_trip(sock, bytes(4321))
        sock.close()
        deadline = time.monotonic() + 5
        while True:  # bounded: the closed connection is counted within 5 s
            samples = scrape_metrics(server.admin_port)
            done = sum_samples(samples, "faultline_tcp_connections_total", proxy="db", outcome="ok")
            if done >= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(done, 1)
        self.assertEqual(sum_samples(samples, "faultline_tcp_bytes_total", proxy="db", direction="upstream"), 4321)
        self.assertEqual(sum_samples(samples, "faultline_tcp_bytes_total", proxy="db", direction="downstream"), 4321)
        self.assertEqual(sum_samples(samples, "faultline_tcp_connect_duration_seconds_count", proxy="db"), 1)
        stats = admin_json(server.admin_port, "/api/v1/stats")
        self.assertEqual(stats["tcp_proxies"][0]["proxy"], "db")
        self.assertEqual(stats["tcp_proxies"][0]["connections"]["ok"], 1)
        config = admin_json(server.admin_port, "/api/v1/config")
        self.assertEqual(config["tcp"][0]["name"], "db")
        self.assertEqual(config["tcp"][0]["upstream"], upstream.address)

    def test_sigterm_closes_open_connections_within_the_drain_timeout(self) -> None:
        upstream = self.echo()
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}],
                            drain_timeout="1s")
        sock = self.open(self.port_of(server, "db"))
        round_trip(sock)
        start = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        self.assertEqual(server.process.wait(10), 0)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn(wait_closed(sock, 2)[0], ("eof", "reset"))


class HotReload(TcpProxyTestCase):
    def test_reload_adds_removes_and_changes_without_touching_the_others(self) -> None:
        first = self.echo(greeting=b"first ")
        second = self.echo(greeting=b"second")
        keep = {"name": "keep", "listen": "127.0.0.1:0", "upstream": first.address}
        gone = {"name": "gone", "listen": "127.0.0.1:0", "upstream": first.address}
        server = self.start([keep, gone])
        keep_port, gone_port = self.port_of(server, "keep"), self.port_of(server, "gone")
        kept = self.open(keep_port)
        self.assertEqual(recv_exactly(kept, 6), b"first ")
        self.rewrite([keep, {"name": "new", "listen": "127.0.0.1:0", "upstream": second.address}])
        new_port = self.port_of(server, "new")
        self.assertEqual(recv_exactly(self.open(new_port), 6), b"second")
        deadline = time.monotonic() + 5
        while not connection_refused(gone_port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(connection_refused(gone_port))
        # The unchanged proxy's connection was left alone.
        round_trip(kept, b"still here")
        # Disabled by a reload: its connections close and its port refuses.
        self.rewrite([dict(keep, enabled=False)])
        self.assertIn(wait_closed(kept, 5)[0], ("eof", "reset"))
        self.assertTrue(connection_refused(keep_port))


def admin_call(port: int, method: str, path: str, body=None) -> int:
    api = ToxiproxyApi(port)  # any JSON HTTP call will do
    return api.call(method, path, body).status


class TcpRules(TcpProxyTestCase):
    PROFILES = """
[faults]
active_profile = "none"
seed = {seed}

[[faults.profiles.slow]]
name = "db latency"
match = {{ tcp = "db" }}
delay = "300ms"

[[faults.profiles.flaky]]
name = "half slow"
match = {{ tcp = "db" }}
stream = "upstream"
probability = 0.5
delay = "100ms"
"""

    def test_rules_follow_the_profile_and_the_kill_switch(self) -> None:
        upstream = self.echo()
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}],
                            extra=self.PROFILES.format(seed=0))
        sock = self.open(self.port_of(server, "db"))

        def fastest(connection) -> float:  # the least disturbed of three, on a busy machine
            return min(round_trip(connection) for _ in range(3))

        self.assertLess(fastest(sock), 0.2)
        self.assertEqual(admin_call(server.admin_port, "PUT", "/api/v1/profiles/active", {"name": "slow"}), 200)
        # A new connection, and the open one too (a pool's connections live long).
        self.assertGreaterEqual(round_trip(self.open(self.port_of(server, "db"))), 0.295)
        self.assertGreaterEqual(round_trip(sock), 0.295)
        self.assertEqual(admin_call(server.admin_port, "POST", "/api/v1/faults/disable"), 200)
        self.assertLess(fastest(sock), 0.2)
        self.assertEqual(admin_call(server.admin_port, "POST", "/api/v1/faults/enable"), 200)
        self.assertGreaterEqual(round_trip(sock), 0.295)
        samples = scrape_metrics(server.admin_port)
        self.assertGreaterEqual(sum_samples(samples, "faultline_tcp_faults_injected_total", proxy="db",
                                            profile="slow", rule="db latency", kind="delay"), 2)

    def pattern(self, seed: int) -> list:
        upstream = self.echo()
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}],
                            extra=self.PROFILES.format(seed=seed).replace('active_profile = "none"',
                                                                          'active_profile = "flaky"'))
        port = self.port_of(server, "db")
        slow = []
        for _ in range(16):
            sock = connect(port)
            try:
                slow.append(round_trip(sock) >= 0.095)
            finally:
                sock.close()
        server.process.stop()
        return slow

    def test_probability_is_rolled_per_connection_and_reproducible_under_a_seed(self) -> None:
        first = self.pattern(seed=42)
        self.assertEqual(self.pattern(seed=42), first)
        self.assertTrue(any(first) and not all(first), first)


class ToxiproxyInsideTheProxy(TcpProxyTestCase):
    def test_the_toxiproxy_api_beside_the_admin_api(self) -> None:
        upstream = self.echo()
        server = self.start([], extra='[toxiproxy]\nlisten = "127.0.0.1:0"\n')
        match = server.process.wait_for_line(r"toxiproxy API listening on 127\.0\.0\.1:(\d+)")
        api = ToxiproxyApi(int(match.group(1)))
        listen = api.create_proxy("cache", upstream.address)["listen"]
        api.add_toxic("cache", "latency", {"latency": 100})
        sock = self.open(port_of(listen))
        self.assertGreaterEqual(round_trip(sock), 0.095)
        samples = scrape_metrics(server.admin_port)
        self.assertEqual(sum_samples(samples, "faultline_tcp_faults_injected_total", proxy="cache",
                                     profile="toxiproxy", rule="latency_downstream", kind="delay"), 1)

    def test_the_kill_switch_stops_the_apis_toxics_too(self) -> None:
        upstream = self.echo()
        server = self.start([], extra='[toxiproxy]\nlisten = "127.0.0.1:0"\n')
        match = server.process.wait_for_line(r"toxiproxy API listening on 127\.0\.0\.1:(\d+)")
        api = ToxiproxyApi(int(match.group(1)))
        listen = api.create_proxy("cache", upstream.address)["listen"]
        api.add_toxic("cache", "latency", {"latency": 300})
        sock = self.open(port_of(listen))
        self.assertGreaterEqual(round_trip(sock), 0.295)
        self.assertEqual(admin_call(server.admin_port, "POST", "/api/v1/faults/disable"), 200)
        self.assertLess(min(round_trip(sock) for _ in range(3)), 0.2)  # the open connection too
        self.assertEqual(len(api.get("/proxies/cache/toxics").json()), 1)  # kept, not removed
        self.assertEqual(admin_call(server.admin_port, "POST", "/api/v1/faults/enable"), 200)
        self.assertGreaterEqual(round_trip(sock), 0.295)

    def test_the_apis_proxies_and_toxics_are_in_the_effective_config(self) -> None:
        upstream = self.echo()
        server = self.start([{"name": "db", "listen": "127.0.0.1:0", "upstream": upstream.address}],
                            extra='[toxiproxy]\nlisten = "127.0.0.1:0"\n')
        match = server.process.wait_for_line(r"toxiproxy API listening on 127\.0\.0\.1:(\d+)")
        api = ToxiproxyApi(int(match.group(1)))
        listen = api.create_proxy("cache", upstream.address)["listen"]
        api.add_toxic("cache", "latency", {"latency": 40, "jitter": 10})
        api.add_toxic("cache", "limit_data", {"bytes": 1000}, stream="upstream", toxicity=0.5)
        api.add_toxic("cache", "noop", {})
        tcp = admin_json(server.admin_port, "/api/v1/config")["tcp"]
        self.assertEqual([proxy["name"] for proxy in tcp], ["db", "cache"])
        self.assertNotIn("source", tcp[0])
        self.assertEqual(tcp[1], {
            "name": "cache", "listen": listen, "upstream": upstream.address, "enabled": True,
            "connect_timeout": "10s", "source": "toxiproxy",
            "rules": [
                {"name": "limit_data_upstream", "probability": 0.5, "match": {"tcp": "cache"},
                 "stream": "upstream", "truncate": {"after_bytes": 1000}},
                {"name": "latency_downstream", "probability": 1.0, "match": {"tcp": "cache"},
                 "stream": "downstream", "delay": {"distribution": "uniform", "min": "30ms", "max": "50ms"}},
                {"name": "noop_downstream", "probability": 1.0, "match": {"tcp": "cache"},
                 "stream": "downstream", "noop": {}},
            ]})
        self.assertEqual(api.delete("/proxies/cache").status, 204)
        self.assertEqual([proxy["name"] for proxy in admin_json(server.admin_port, "/api/v1/config")["tcp"]],
                         ["db"])


class LargeStream(TcpProxyTestCase):
    def test_one_gibibyte_through_an_unfaulted_proxy(self) -> None:
        upstream = self.echo()
        server = self.start([{"name": "bulk", "listen": "127.0.0.1:0", "upstream": upstream.address}])
        sock = self.open(self.port_of(server, "bulk"))
        sock.settimeout(60)
        block = bytes(range(256)) * 4096  # 1 MiB
        total = GiB
        sent_crc = 0
        for _ in range(total // len(block)):
            sent_crc = zlib.crc32(block, sent_crc)
        received = {"bytes": 0, "crc": 0}

        def reader() -> None:
            while received["bytes"] < total:
                data = sock.recv(1 << 20)
                if not data:
                    break
                received["crc"] = zlib.crc32(data, received["crc"])
                received["bytes"] += len(data)

        thread = threading.Thread(target=reader, daemon=True)
        start = time.monotonic()
        with RssSampler(server.pid) as rss:
            thread.start()
            for _ in range(total // len(block)):
                sock.sendall(block)
            thread.join(timeout=120)
        elapsed = time.monotonic() - start
        self.assertEqual(received["bytes"], total)
        self.assertEqual(received["crc"], sent_crc)
        # Fixed buffers: memory does not grow with the stream.
        self.assertLess(rss.growth, 32 * MiB)
        print(f"\n1 GiB echoed through the TCP proxy in {elapsed:.1f} s "
              f"({2 * total / elapsed / MiB:.0f} MiB/s both ways), RSS growth {rss.growth / MiB:.1f} MiB")


if __name__ == "__main__":
    unittest.main()
