"""Config reload while the proxy runs, through real processes on loopback.

The contract (README "Switching faults live"):
- a change of the file is noticed: written in place, replaced by an atomic rename (as
  editors do), or swapped behind the `..data` symlink of a Kubernetes ConfigMap volume;
- SIGHUP and POST /api/v1/reload re-read it too;
- a config that fails validation is rejected with its file:line:col errors logged and
  counted (faultline_config_reloads_total{result="failure"}); the running config stays;
- requests in flight finish under the config they started with; no request fails
  because of a reload (a closed loop of requests through 20 reloads).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import unittest

from harness import (
    FaultlineTestCase,
    HttpConnection,
    ProxyServer,
    admin_json,
    render_config,
    route,
    scrape_metrics,
    simple_response,
    sum_samples,
)
from test_admin_control import admin_call
from test_fault_actions import faults_toml

INJECTED = "x-faultline-injected"
RELOAD_TIMEOUT = 10.0  # seconds for a change to be noticed and applied (ASan, loaded box)


def reloads(admin_port: int, result: str) -> int:
    return int(sum_samples(scrape_metrics(admin_port), "faultline_config_reloads_total",
                           result=result))


def reloads_once_counted(admin_port: int, result: str, expected: int, timeout: float = 5.0) -> int:
    """The count of reloads with `result`, once it reaches `expected` (or after timeout): the
    reload's log line can come out just before its count lands."""
    deadline = time.monotonic() + timeout
    while True:
        count = reloads(admin_port, result)
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def abort_profile(status: int, profile: str = "p") -> str:
    return faults_toml([{"name": f'"abort {status}"', "abort": str(status)}], profile=profile)


def write_atomically(path: str, text: str) -> None:
    """What editors and `mv` do: write a temporary file beside it, then rename over it."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.rename(temporary, path)


class ReloadTestCase(FaultlineTestCase):
    def start_echo_and_config(self, faults: str, admin: dict | None = None):
        echo = self.start_echo()
        directory = self.make_temp_dir()
        path = os.path.join(directory, "faultline.toml")
        self.routes = [route("api", echo.port)]
        self.admin = admin
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.config_text(faults))
        return echo, path

    def config_text(self, faults: str, routes=None) -> str:
        return render_config(routes or self.routes, admin=self.admin) + "\n" + faults

    def start_proxy_on(self, path: str) -> ProxyServer:
        proxy = ProxyServer(path)
        self.addCleanup(self._check_stopped, proxy.process, True)
        return proxy

    def wait_for(self, predicate, what: str, timeout: float = RELOAD_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:  # bounded by the deadline
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.05)

    def wait_for_status(self, proxy: ProxyServer, status: int) -> None:
        self.wait_for(lambda: self.get(proxy.port, "/").status == status,
                      f"requests to answer {status}")


class FileChangeTest(ReloadTestCase):
    def test_atomic_rename_is_noticed(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        self.assertEqual(self.get(proxy.port, "/").status, 503)
        write_atomically(path, self.config_text(abort_profile(418)))
        self.wait_for_status(proxy, 418)
        self.assertEqual(reloads(proxy.admin_port, "success"), 1)
        proxy.process.wait_for_line(r"config reloaded \(file change\)")

    def test_write_in_place_is_noticed(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.config_text(abort_profile(418)))
        self.wait_for_status(proxy, 418)

    def test_kubernetes_configmap_symlink_swap_is_noticed(self):
        # The kubelet's layout: faultline.toml -> ..data/faultline.toml, ..data -> a
        # timestamped directory. An update writes a new directory, points ..data_tmp at it
        # and renames ..data_tmp over ..data, then deletes the old directory.
        echo = self.start_echo()
        self.routes, self.admin = [route("api", echo.port)], None
        volume = self.make_temp_dir()
        os.mkdir(os.path.join(volume, "..2026_11_28_01"))
        with open(os.path.join(volume, "..2026_11_28_01", "faultline.toml"), "w") as handle:
            handle.write(self.config_text(abort_profile(503)))
        os.symlink("..2026_11_28_01", os.path.join(volume, "..data"))
        os.symlink("..data/faultline.toml", os.path.join(volume, "faultline.toml"))
        proxy = self.start_proxy_on(os.path.join(volume, "faultline.toml"))
        self.assertEqual(self.get(proxy.port, "/").status, 503)

        os.mkdir(os.path.join(volume, "..2026_11_28_02"))
        with open(os.path.join(volume, "..2026_11_28_02", "faultline.toml"), "w") as handle:
            handle.write(self.config_text(abort_profile(418)))
        os.symlink("..2026_11_28_02", os.path.join(volume, "..data_tmp"))
        os.rename(os.path.join(volume, "..data_tmp"), os.path.join(volume, "..data"))
        os.remove(os.path.join(volume, "..2026_11_28_01", "faultline.toml"))
        os.rmdir(os.path.join(volume, "..2026_11_28_01"))
        self.wait_for_status(proxy, 418)
        self.assertEqual(reloads(proxy.admin_port, "success"), 1)
        self.assertEqual(reloads(proxy.admin_port, "failure"), 0)

    def test_unrelated_files_in_the_directory_do_not_reload(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        with open(os.path.join(os.path.dirname(path), "notes.txt"), "w") as handle:
            handle.write("not a config")
        # Same content as before: the watcher compares bytes and leaves the config alone.
        write_atomically(path, self.config_text(abort_profile(503)))
        time.sleep(0.6)  # longer than the watcher's settle time, to give it a chance to act
        self.assertEqual(reloads(proxy.admin_port, "success"), 0)
        self.assertEqual(reloads(proxy.admin_port, "failure"), 0)


class TriggerTest(ReloadTestCase):
    def test_sighup_rereads_the_file(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        proxy.process.send_signal(signal.SIGHUP)
        proxy.process.wait_for_line(r"config reloaded \(SIGHUP\)")
        self.assertEqual(reloads(proxy.admin_port, "success"), 1)
        self.assertTrue(proxy.process.running())

    def test_post_reload_answers_with_the_outcome(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        status, body, _ = admin_call(proxy.admin_port, "POST", "/api/v1/reload")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"result": "success", "warnings": [], "active": "p"})

    def test_settings_that_need_a_restart_are_named(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        text = self.config_text(abort_profile(418)).replace("threads = 2", "threads = 3")
        with open(path + ".next", "w") as handle:
            handle.write(text)
        os.rename(path + ".next", path)
        self.wait_for_status(proxy, 418)  # the rest applies
        proxy.process.wait_for_line(r"server\.threads changed: takes effect on restart only")


class InvalidReloadTest(ReloadTestCase):
    def test_invalid_file_is_rejected_logged_and_counted_and_the_old_config_stays(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        broken = self.config_text(abort_profile(418)).replace('abort = 418', 'abort = 99')
        write_atomically(path, broken)
        line = proxy.process.wait_for_line(r"(faultline\.toml:\d+:\d+: faults\.profiles\.p\[0\]\.abort\S*: .*)")
        self.assertIn("status", line.group(1))
        self.assertEqual(reloads_once_counted(proxy.admin_port, "failure", 1), 1)
        self.assertEqual(reloads(proxy.admin_port, "success"), 0)
        for _ in range(5):
            self.assertEqual(self.get(proxy.port, "/").status, 503, "the running config must stay")

        status, body, _ = admin_call(proxy.admin_port, "POST", "/api/v1/reload")
        self.assertEqual(status, 422)
        self.assertEqual(body["result"], "failure")
        self.assertRegex(body["errors"][0], r"faultline\.toml:\d+:\d+: faults\.profiles\.p\[0\]")

        # Fixing the file applies it.
        write_atomically(path, self.config_text(abort_profile(418)))
        self.wait_for_status(proxy, 418)

    def test_toml_syntax_error_and_deleted_file_keep_the_config(self):
        _, path = self.start_echo_and_config(abort_profile(503))
        proxy = self.start_proxy_on(path)
        write_atomically(path, "[server\nlisten = ")
        proxy.process.wait_for_line(r"faultline\.toml:1:\d+: ")
        os.remove(path)
        self.wait_for(lambda: reloads(proxy.admin_port, "failure") >= 2, "the failed reloads")
        self.assertEqual(self.get(proxy.port, "/").status, 503)
        self.assertTrue(proxy.process.running())


class InFlightTest(ReloadTestCase):
    def test_request_in_flight_finishes_with_the_upstream_it_started_with(self):
        release = threading.Event()

        def slow_old(request):
            if request.target == "/slow":
                release.wait(10)
            return simple_response(b"old upstream")

        old = self.start_fake_upstream(name="old", respond=slow_old)
        new = self.start_fake_upstream(name="new", respond=lambda r: simple_response(b"new upstream"))
        self.routes, self.admin = [route("api", old.port)], None
        path = self.write_file("faultline.toml", self.config_text(""))
        proxy = self.start_proxy_on(path)

        conn = HttpConnection(proxy.port)
        self.addCleanup(conn.close)
        conn.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        self.wait_for(lambda: len(old.received()) == 1, "the request to reach the old upstream")
        self.assertEqual(old.received()[0].target, "/slow")

        write_atomically(path, self.config_text("", routes=[route("api", new.port)]))
        self.wait_for(lambda: self.get(proxy.port, "/next").body == b"new upstream",
                      "new requests to reach the new upstream")
        release.set()
        response = conn.read_response()
        self.assertEqual((response.status, response.body), (200, b"old upstream"))


class ReloadUnderLoadTest(ReloadTestCase):
    RELOADS = 20
    CLIENTS = 4

    def test_twenty_reloads_under_a_closed_loop_fail_no_request(self):
        # Two configs alternate: different upstreams, different profiles (one injects 503
        # on a third of requests). Every answer must be a 200, or a 503 that says it was
        # injected; a connection error or any other status is a failure the reload caused.
        echo_a, path = self.start_echo_and_config("")
        echo_b = self.start_echo()
        configs = [
            self.config_text(faults_toml([{"name": '"some 503"', "probability": "0.3",
                                           "abort": "503"}], profile="a"),
                             routes=[route("api", echo_a.port)]),
            self.config_text(faults_toml([{"name": '"small delay"', "delay": '"1ms"'}],
                                         profile="b"),
                             routes=[route("api", echo_b.port)]),
        ]
        write_atomically(path, configs[0])
        proxy = self.start_proxy_on(path)

        stop = threading.Event()
        failures, counts = [], {"ok": 0, "injected": 0}
        lock = threading.Lock()

        def client(index: int) -> None:
            conn = None
            while not stop.is_set():
                try:
                    if conn is None:
                        conn = HttpConnection(proxy.port, timeout=5)
                    response = conn.request("GET", f"/c{index}")
                except Exception as error:  # noqa: BLE001 -- every error is a failure here
                    with lock:
                        failures.append(f"client {index}: {type(error).__name__}: {error}")
                    if conn is not None:
                        conn.close()
                    conn = None
                    continue
                with lock:
                    if response.status == 200:
                        counts["ok"] += 1
                    elif response.status == 503 and response.header(INJECTED) == "some 503":
                        counts["injected"] += 1
                    else:
                        failures.append(f"client {index}: {response.status} {response.body[:100]!r}")
                if not response.keeps_alive():
                    conn.close()
                    conn = None
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(self.CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            for number in range(1, self.RELOADS + 1):
                write_atomically(path, configs[number % 2])
                self.wait_for(lambda: reloads(proxy.admin_port, "success") >= number,
                              f"reload {number}")
                time.sleep(0.05)  # let requests run under this config
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
        self.assertEqual(failures[:10], [], f"{len(failures)} requests failed")
        self.assertEqual(reloads(proxy.admin_port, "success"), self.RELOADS)
        self.assertGreater(counts["ok"], 100, counts)
        self.assertGreater(counts["injected"], 0, counts)


if __name__ == "__main__":
    unittest.main()
