"""A published Toxiproxy client library, unchanged, pointed at `faultline toxiproxy`.

tests/toxiproxy_client/client_session.mjs drives the npm package toxiproxy-node-client (the
version tests/toxiproxy_client/package.json pins, installed on first use into the build tree,
see node_packages.py) through a whole session: version, list, create, get, errors, toxics
added with and without the server's defaults, listed, updated and removed, disable and enable,
reset, populate, delete. It asserts what each library call returns and reports it as JSON
lines; this test checks those reports again and the timings plain TCP measured through the
proxy to a Python echo upstream. A machine without node or npm skips it and says why.
"""

from __future__ import annotations

import json
import os
import subprocess
import unittest

import node_packages
from harness import SOURCE_DIR, FaultlineTestCase
from tcp_peers import TcpEchoUpstream, ToxiproxyProcess

SCRIPTS_DIR = os.path.join(SOURCE_DIR, "tests", "toxiproxy_client")
TOOLS_DIR = node_packages.tools_dir("FAULTLINE_TOXIPROXY_CLIENT_TOOLS", "toxiproxy-client-tools")
LIBRARY = "toxiproxy-node-client"

LATENCY_MS = 400  # well above what a loaded 2-core machine adds to a loopback round trip
RESET_AFTER_MS = 100
SLACK_MS = 3000  # how late a delayed answer may be on a shared machine
SESSION_TIMEOUT = 120.0

STEPS = ["version", "list_empty", "create", "plain_round_trip", "get", "list", "errors", "add_latency",
         "latency_round_trip", "get_toxic", "add_limit_data", "list_toxics", "limit_data_closes",
         "update_limit_data", "remove_limit_data", "reset_peer", "disable", "enable", "reset", "populate",
         "delete", "done"]
LISTEN = r"^127\.0\.0\.1:[1-9]\d*$"


def run_session(env: dict, plan: dict) -> dict:
    """Runs the node script; returns its reports by step, or fails with the step that failed."""
    result = subprocess.run(["node", os.path.join(SCRIPTS_DIR, "client_session.mjs"), json.dumps(plan)],
                            cwd=SCRIPTS_DIR, env=env, capture_output=True, text=True,
                            timeout=SESSION_TIMEOUT, stdin=subprocess.DEVNULL)
    events = []
    for line in result.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"the client script wrote a line that is not JSON: {line!r}\n{result.stderr}") from None
    failed = [event for event in events if event.get("step") == "error"]
    if failed:
        raise AssertionError(f"toxiproxy-node-client step {failed[0]['failed']!r} failed:\n{failed[0]['message']}")
    if result.returncode != 0:
        raise AssertionError(f"the client script exited with {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return {event.pop("step"): event for event in events}


class ToxiproxyNodeClient(FaultlineTestCase):
    def setUp(self) -> None:
        node_packages.require_node(f"the Toxiproxy client library {LIBRARY} cannot run")
        self.version = node_packages.install_pinned(SCRIPTS_DIR, TOOLS_DIR, LIBRARY)
        self.server = ToxiproxyProcess()
        self.addCleanup(self._check_stopped, self.server.process, True)
        self.upstream = TcpEchoUpstream()
        self.addCleanup(self.upstream.close)

    def test_whole_session_through_the_unchanged_library(self) -> None:
        env = dict(os.environ, FAULTLINE_TOXIPROXY_CLIENT_TOOLS=TOOLS_DIR)
        seen = run_session(env, {"api": f"http://127.0.0.1:{self.server.port}", "upstream": self.upstream.address,
                                 "latency_ms": LATENCY_MS, "reset_after_ms": RESET_AFTER_MS})
        self.assertEqual(list(seen), STEPS)

        # getVersion() hands back the body as text: toxiproxy-server 2.12's JSON.
        self.assertRegex(json.loads(seen["version"]["text"])["version"], r"^2\.12\.0")
        self.assertEqual(seen["list_empty"]["names"], [])

        created = seen["create"]
        self.assertRegex(created["listen"], LISTEN)
        self.assertEqual(created, {"name": "echo", "listen": created["listen"], "upstream": self.upstream.address,
                                   "enabled": True})
        self.assertEqual(seen["get"], created)
        self.assertEqual(seen["list"]["names"], ["echo"])
        self.assertEqual(seen["errors"], {"duplicate": "Request failed with status code 409",
                                          "missing": "Request failed with status code 404"})

        self.assertEqual(seen["add_latency"], {"attributes": {"latency": LATENCY_MS, "jitter": 0}, "name": "slow",
                                               "stream": "downstream", "toxicity": 1, "type": "latency"})
        self.assertEqual(seen["get_toxic"], seen["add_latency"])
        # The latency delays the answer on a connection opened before the toxic and on a new one.
        for delayed in ("open_ms", "fresh_ms"):
            self.assertGreaterEqual(seen["latency_round_trip"][delayed], LATENCY_MS - 1, seen["latency_round_trip"])
            self.assertLess(seen["latency_round_trip"][delayed], LATENCY_MS + SLACK_MS, seen["latency_round_trip"])

        self.assertEqual(seen["add_limit_data"], {"attributes": {"bytes": 64}, "name": "limit_data_downstream",
                                                  "stream": "downstream", "toxicity": 1, "type": "limit_data"})
        self.assertEqual(seen["list_toxics"]["names"], ["slow", "limit_data_downstream"])
        self.assertEqual((seen["limit_data_closes"]["bytes"], seen["limit_data_closes"]["ended"]), (64, "eof"))
        self.assertGreaterEqual(seen["limit_data_closes"]["ms"], LATENCY_MS - 1)
        updated = seen["update_limit_data"]
        self.assertEqual(updated["attributes"], {"bytes": 32})
        self.assertEqual((updated["seen"]["bytes"], updated["seen"]["ended"]), (32, "eof"))
        self.assertEqual(seen["remove_limit_data"], {"names": ["slow"], "missing": "Request failed with status code 404"})

        reset_peer = seen["reset_peer"]
        self.assertEqual(reset_peer["attributes"], {"timeout": RESET_AFTER_MS})
        self.assertEqual((reset_peer["seen"]["ended"], reset_peer["seen"]["bytes"]), ("reset", 0))
        self.assertGreaterEqual(reset_peer["seen"]["ms"], RESET_AFTER_MS - 1)
        self.assertLess(reset_peer["seen"]["ms"], RESET_AFTER_MS + SLACK_MS)

        disabled = seen["disable"]
        self.assertEqual(disabled, {**created, "enabled": False, "connect": "refused", "held_connection": "eof"})
        enabled = seen["enable"]
        self.assertEqual({key: enabled[key] for key in created}, created)
        self.assertEqual(enabled["names"], ["slow"])
        self.assertGreaterEqual(enabled["ms"], LATENCY_MS - 1)

        # Reset re-enabled the proxy (disabled again just before) and took its latency away.
        after_reset = seen["reset"]
        self.assertEqual({key: after_reset[key] for key in created}, created)
        self.assertEqual(after_reset["names"], [])
        self.assertLess(after_reset["ms"], LATENCY_MS)

        populated = seen["populate"]
        self.assertEqual(populated["names"], ["echo", "second"])
        self.assertRegex(populated["second"]["listen"], LISTEN)
        self.assertNotEqual(populated["second"]["listen"], created["listen"])
        self.assertEqual(seen["delete"], {"missing": "Request failed with status code 404", "connect": "refused",
                                          "left": []})

        # faultline's own answer agrees: the session left nothing behind.
        self.assertEqual(self.server.api.get("/proxies").body, b"{}")
        self.assertGreaterEqual(self.upstream.connections, 8)


if __name__ == "__main__":
    unittest.main()
