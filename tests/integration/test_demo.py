"""`faultline demo` (what `make demo` runs) does what its banner says, on its fixed ports.

The banner is the README's first promise to a new user: the live page it names first, the
echo upstream, the proxy and the admin listener answer, the profiles it lists switch over the
admin API with a visible effect, the kill switch stops it, and the `faultline bench` line it prints runs as printed. SIGINT
drains and exits 0. The demo's ports are fixed (8080, 9000, 9901); when something else holds
one of them the test skips and says which, rather than fail on the machine's account.
"""

from __future__ import annotations

import errno
import json
import re
import shlex
import signal
import socket
import subprocess
import time
import unittest

from harness import FaultlineProcess, FaultlineTestCase, HttpConnection, http_get

DEMO_PORTS = {"proxy": 8080, "echo": 9000, "admin": 9901}


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def admin(method: str, path: str, body: dict | None = None):
    conn = HttpConnection(DEMO_PORTS["admin"])
    try:
        payload = json.dumps(body).encode() if body is not None else None
        response = conn.request(method, path, [], payload)
    finally:
        conn.close()
    return response.status, json.loads(response.body.decode())


def timed_get(path: str) -> tuple:
    start = time.monotonic()
    response = http_get(DEMO_PORTS["proxy"], path)
    return response.status, time.monotonic() - start


class DemoTest(FaultlineTestCase):
    def setUp(self):
        taken = [f"{name} {port}" for name, port in DEMO_PORTS.items() if port_taken(port)]
        if taken:
            self.skipTest("the demo's fixed ports are in use on this machine: " + ", ".join(taken))

    def test_banner_promises_hold_and_sigint_drains(self):
        demo = FaultlineProcess(["demo"], name="demo")
        self.addCleanup(self._check_stopped, demo, True)
        demo.wait_for_line(r"Stop with Ctrl-C", stream_name="stdout")
        banner = "\n".join(demo.lines("stdout"))

        # Its first line is the live page, which the admin listener serves.
        self.assertRegex(demo.lines("stdout")[0], r"^Live page: http://127\.0\.0\.1:9901/ ")
        page = http_get(DEMO_PORTS["admin"], "/")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.header("content-type"), "text/html; charset=utf-8")
        self.assertIn(b"<title>faultline live</title>", page.body)

        # The three listeners it announces.
        for name, port in DEMO_PORTS.items():
            self.assertIn(f"127.0.0.1:{port}", banner, name)
        self.assertEqual(http_get(DEMO_PORTS["echo"], "/").status, 200)
        hello = http_get(DEMO_PORTS["proxy"], "/hello")
        self.assertEqual((hello.status, hello.body), (200, b"ok"))
        self.assertEqual(http_get(DEMO_PORTS["admin"], "/readyz").status, 200)

        # The profiles it lists are the ones the admin API has; "slow" adds its 100 ms.
        listed = re.search(r"Fault profiles: (.*)\. Switch", banner).group(1)
        names = sorted(name.replace(" (active)", "") for name in listed.split(", "))
        status, profiles = admin("GET", "/api/v1/profiles")
        self.assertEqual(status, 200)
        self.assertEqual(sorted(p["name"] for p in profiles["profiles"]), names)
        self.assertEqual(timed_get("/api/hello")[0], 200)
        status, switched = admin("PUT", "/api/v1/profiles/active", {"name": "slow"})
        self.assertEqual((status, switched["active"]), (200, "slow"))
        status, elapsed = timed_get("/api/hello")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(elapsed, 0.1)

        # The kill switch it shows: nothing injected any more, proxying goes on.
        status, _ = admin("POST", "/api/v1/faults/disable")
        self.assertEqual(status, 200)
        response = http_get(DEMO_PORTS["proxy"], "/api/hello")
        self.assertEqual(response.status, 200)
        self.assertIsNone(response.header("x-faultline-injected"))

        # The bench line runs as printed (shortened to 1 s) and every request is answered.
        bench_line = next(line.strip() for line in demo.lines("stdout") if " bench http" in line)
        command = shlex.split(bench_line.replace("--duration 60s", "--duration 1s"))
        result = subprocess.run(command, capture_output=True, text=True, timeout=30,
                                stdin=subprocess.DEVNULL)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"200 requests in 1\.00s, 0 errors")

        demo.send_signal(signal.SIGINT)
        self.assertEqual(demo.wait(timeout=10), 0, demo.output_tail())


if __name__ == "__main__":
    unittest.main()
