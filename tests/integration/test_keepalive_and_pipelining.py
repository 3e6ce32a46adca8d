"""Connection reuse on both sides of the proxy, and pipelined requests."""

import threading
import time
import unittest

from harness import FaultlineTestCase, build_request, established_connections_to, http_get


class ClientKeepAliveTest(FaultlineTestCase):
    def test_client_connection_serves_several_requests(self):
        echo, proxy = self.echo_and_proxy()
        conn = self.connect(proxy.port)
        for index, (target, status, body) in enumerate([
            ("/", 200, b"ok"),
            ("/status/202", 202, None),
            ("/bytes/1000", 200, None),
            ("/anything/else", 200, b"ok"),
            ("/status/404", 404, None),
        ]):
            with self.subTest(request=index, target=target):
                response = conn.request("GET", target)
                self.assertEqual(response.status, status, response)
                if body is not None:
                    self.assertEqual(response.body, body)
                if target.startswith("/bytes/"):
                    self.assertEqual(len(response.body), 1000)
                self.assertTrue(response.keeps_alive(), f"proxy asked to close after request {index}: {response.headers}")

    def test_pipelined_requests_are_answered_in_order(self):
        echo, proxy = self.echo_and_proxy()
        conn = self.connect(proxy.port)
        conn.send(
            build_request("GET", "/delay/100")
            + build_request("GET", "/status/201")
            + build_request("GET", "/bytes/10")
        )
        first = conn.read_response()
        second = conn.read_response()
        third = conn.read_response()
        self.assertEqual((first.status, first.body), (200, b"ok"))
        self.assertEqual(second.status, 201, second)
        self.assertEqual(third.status, 200, third)
        self.assertEqual(len(third.body), 10, third)


class UpstreamKeepAliveTest(FaultlineTestCase):
    def test_upstream_connection_is_reused_across_client_connections(self):
        echo, proxy = self.echo_and_proxy(server={"threads": 1})
        ids = []
        for _ in range(5):
            response = http_get(proxy.port, "/")  # a new client connection each time
            self.assertEqual(response.status, 200, response)
            ids.append(response.header("x-echo-connection"))
            time.sleep(0.05)  # let the proxy put the upstream connection back in its pool
        self.assertNotIn(None, ids, "x-echo-connection must pass through the proxy")
        self.assertEqual(len(set(ids)), 1, f"upstream connections were not reused: {ids}")

    def concurrent_ids(self, port: int, count: int) -> list:
        results = [None] * count
        errors = []

        def fetch(slot: int) -> None:
            try:
                response = http_get(port, "/delay/500", timeout=15)
                results[slot] = (response.status, response.header("x-echo-connection"))
            except Exception as error:  # reported below
                errors.append(repr(error))

        threads = [threading.Thread(target=fetch, args=(slot,)) for slot in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        self.assertEqual(errors, [])
        self.assertTrue(all(r is not None and r[0] == 200 for r in results), results)
        return [connection_id for _, connection_id in results]

    def test_idle_upstream_connections_follow_demand(self):
        # The pool keeps as many idle connections as requests recently had in flight (at
        # least max_idle_connections): a second burst like the first opens none, where a
        # fixed cap of 2 would open 4 again (a connect per request under concurrency).
        cap = 2
        echo, proxy = self.echo_and_proxy(server={"threads": 1}, max_idle_connections=cap)
        first_burst = self.concurrent_ids(proxy.port, 6)
        self.assertEqual(len(set(first_burst)), 6, f"6 concurrent requests need 6 upstream connections: {first_burst}")
        time.sleep(0.3)  # the proxy would close here what it may not keep
        established = established_connections_to(echo.port)
        self.assertEqual(established, 6, f"{established} idle upstream connections kept after a burst of 6")
        second_burst = self.concurrent_ids(proxy.port, 6)
        self.assertEqual(set(second_burst), set(first_burst),
                         f"the second burst must reuse the first one's connections: {first_burst} then {second_burst}")

if __name__ == "__main__":
    unittest.main()
