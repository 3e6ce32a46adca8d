"""Real peers through faultline's TCP proxies, started by the test on loopback: PostgreSQL
(a throwaway cluster in a temporary directory) driven by pgbench, and Redis driven by
redis-benchmark. Faults come from the Toxiproxy API of `faultline toxiproxy`, as a
Toxiproxy user would add them. Skipped where the packages are missing (scripts/install-deps.sh
installs them)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import FaultlineTestCase, LOOPBACK
from tcp_peers import ToxiproxyProcess, port_of


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def as_postgres_user(args: list) -> list:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port} after {timeout} s")


def pgbench_figures(output: str) -> tuple:
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    tps = re.search(r"tps = ([\d.]+)", output)
    if not latency or not tps:
        raise AssertionError(f"no pgbench figures in:\n{output}")
    return float(latency.group(1)), float(tps.group(1))


@unittest.skipUnless(postgres_bin("initdb") and postgres_bin("pgbench"), "PostgreSQL is not installed")
class PostgresThroughFaultline(FaultlineTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.dir = tempfile.mkdtemp(prefix="faultline-pg-")
        os.chmod(cls.dir, 0o777)
        cls.data = os.path.join(cls.dir, "data")
        cls.port = free_port()
        subprocess.run(as_postgres_user([postgres_bin("initdb"), "-D", cls.data, "-U", "postgres",
                                         "--auth=trust", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        cls.server = subprocess.Popen(
            as_postgres_user([postgres_bin("postgres"), "-D", cls.data, "-p", str(cls.port), "-k", cls.dir,
                              "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                              "-c", "synchronous_commit=off", "-c", "max_connections=50"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(cls.port)
        time.sleep(0.5)  # accepting TCP before it accepts logins
        subprocess.run([postgres_bin("pgbench"), "-i", "-s", "1", "-h", LOOPBACK, "-p", str(cls.port),
                        "-U", "postgres", "postgres"], check=True, capture_output=True, timeout=120)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.terminate()
        try:
            cls.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cls.server.kill()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self) -> None:
        self.toxiproxy = ToxiproxyProcess()
        self.addCleanup(self._check_stopped, self.toxiproxy.process, True)
        self.api = self.toxiproxy.api
        self.proxy_port = port_of(self.api.create_proxy("postgres", f"{LOOPBACK}:{self.port}")["listen"])

    def pgbench(self, seconds: int = 4, clients: int = 4, port: int | None = None,
                check: bool = True) -> subprocess.CompletedProcess:
        # -S: one SELECT per transaction, so one round trip each.
        return subprocess.run([postgres_bin("pgbench"), "-S", "-n", "-c", str(clients), "-j", str(min(clients, 2)),
                               "-T", str(seconds), "-h", LOOPBACK, "-p", str(port or self.proxy_port),
                               "-U", "postgres", "postgres"],
                              capture_output=True, text=True, timeout=seconds + 60, check=check)

    def test_a_5ms_delay_each_way_adds_10ms_per_round_trip(self) -> None:
        # -S makes one round trip per transaction. Unloaded (one client), a transaction is
        # that round trip and nothing else, so its average rises by the two delays: this is
        # what the test holds to 10 ms within 10 %. Under load (4 clients on a machine of 2
        # cores, shared with PostgreSQL's backends and faultline), each transaction also
        # waits for a CPU after each wake-up, which the delay does not cause: measured and
        # printed, held to the 10 % only on a quiet machine (FAULTLINE_QUIET_MACHINE=1, as
        # the benchmark runs).
        direct_latency, direct_tps = pgbench_figures(self.pgbench(port=self.port).stdout)
        base = {clients: pgbench_figures(self.pgbench(clients=clients).stdout) for clients in (1, 4)}
        self.api.add_toxic("postgres", "latency", {"latency": 5})
        self.api.add_toxic("postgres", "latency", {"latency": 5}, stream="upstream")
        delayed = {clients: pgbench_figures(self.pgbench(clients=clients).stdout) for clients in (1, 4)}
        added = {clients: delayed[clients][0] - base[clients][0] for clients in (1, 4)}
        print(f"\npgbench -S direct (4 clients): {direct_tps:.0f} tps {direct_latency:.3f} ms")
        for clients in (1, 4):
            print(f"pgbench -S -c {clients} through faultline: {base[clients][1]:.0f} tps {base[clients][0]:.3f} ms; "
                  f"with 5 ms each way {delayed[clients][1]:.0f} tps {delayed[clients][0]:.3f} ms "
                  f"(+{added[clients]:.2f} ms)")
        self.assertGreater(base[4][1], 0)
        self.assertGreaterEqual(added[1], 9.0)
        self.assertLessEqual(added[1], 11.0)
        quiet = os.environ.get("FAULTLINE_QUIET_MACHINE") == "1"
        self.assertGreaterEqual(added[4], 9.0)
        self.assertLessEqual(added[4], 11.0 if quiet else 16.0)

    def test_a_reset_mid_run_fails_clients_and_faultline_keeps_serving(self) -> None:
        result = {}
        run = threading.Thread(target=lambda: result.update(run=self.pgbench(seconds=6, check=False)))
        run.start()
        time.sleep(2)
        self.api.add_toxic("postgres", "reset_peer", {"timeout": 0}, stream="upstream")
        run.join(timeout=90)
        output = result["run"].stdout + result["run"].stderr
        self.assertNotEqual(result["run"].returncode, 0, output)
        self.assertRegex(output, r"(?i)aborted|connection|server closed|terminated")
        self.api.remove_toxic("postgres", "reset_peer_upstream")
        latency, tps = pgbench_figures(self.pgbench(seconds=2).stdout)
        self.assertGreater(tps, 0)


@unittest.skipUnless(shutil.which("redis-server") and shutil.which("redis-benchmark"), "Redis is not installed")
class RedisThroughFaultline(FaultlineTestCase):
    def test_redis_benchmark_through_a_tcp_proxy(self) -> None:
        port = free_port()
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", LOOPBACK, "--save", "",
                                   "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (server.terminate(), server.wait(timeout=20)))
        wait_for_port(port)
        toxiproxy = ToxiproxyProcess()
        self.addCleanup(self._check_stopped, toxiproxy.process, True)
        proxy_port = port_of(toxiproxy.api.create_proxy("redis", f"{LOOPBACK}:{port}")["listen"])
        bench = subprocess.run(["redis-benchmark", "-h", LOOPBACK, "-p", str(proxy_port), "-n", "20000",
                                "-c", "8", "-t", "set,get", "-q"],
                               capture_output=True, text=True, timeout=120, check=True)
        rates = dict(re.findall(r"(SET|GET): ([\d.]+) requests per second", bench.stdout))
        print(f"\nredis-benchmark through faultline: {rates}")
        self.assertGreater(float(rates["SET"]), 0)
        self.assertGreater(float(rates["GET"]), 0)


if __name__ == "__main__":
    unittest.main()
