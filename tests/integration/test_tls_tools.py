"""The tools around TLS (README "The echo upstream", "Load generator"): `faultline echo
--tls-cert/--tls-key` serves every endpoint over HTTPS, and `faultline bench` loads https://
URLs, verified against --cacert, the system store or (--insecure) nothing, with handshake
failures counted as the `tls` error kind and their reason shown.

Certificates come from a private CA made for each test class with openssl (tls_certs.py);
everything runs on 127.0.0.1 with ephemeral ports and bounded runs.
"""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest

from harness import (LOOPBACK, FaultlineProcess,
                     parse_echoed_headers, run_cli)
from test_bench import BenchTestCase
from tls_certs import TestPki

CURL = shutil.which("curl")


class TlsToolsTestCase(BenchTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="faultline-tls-tools-")
        cls.pki = TestPki(cls.pki_dir)
        cls.server = cls.pki.issue("localhost")  # DNS:localhost, IP:127.0.0.1
        cls.other_name = cls.pki.issue("other", sans=("DNS:other.test",))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def start_tls_echo(self, issued=None, threads: int = 1) -> int:
        issued = issued or self.server
        process = FaultlineProcess(["echo", "--listen", f"{LOOPBACK}:0", "--threads", str(threads),
                                    "--tls-cert", issued.cert, "--tls-key", issued.key], name="echo-tls")
        self.addCleanup(self._check_stopped, process, False)
        match = process.wait_for_line(r"echo listening on 127\.0\.0\.1:(\d+) \(\d+ threads, TLS\)")
        return int(match.group(1))


@unittest.skipIf(CURL is None, "curl is not installed (scripts/install-deps.sh installs it)")
class EchoOverTlsTest(TlsToolsTestCase):
    def curl(self, *args, input: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([CURL, "-sS", "--max-time", "20", "--cacert", self.pki.ca_cert, *args],
                              input=input, capture_output=True, timeout=30)

    def test_every_endpoint_answers_over_https_verified_by_the_ca(self):
        port = self.start_tls_echo()
        base = f"https://localhost:{port}"
        headers = self.curl("-H", "X-Probe: tls", base + "/headers")
        self.assertEqual(headers.returncode, 0, headers.stderr)
        echoed = dict((name.lower(), value) for name, value in parse_echoed_headers(headers.stdout))
        self.assertEqual(echoed.get("x-probe"), "tls", headers.stdout)
        self.assertEqual(echoed.get("host"), f"localhost:{port}")

        status = self.curl("-o", "/dev/null", "-w", "%{http_code}", base + "/status/503")
        self.assertEqual(status.stdout, b"503", status.stderr)
        body = self.curl(base + "/bytes/100000")
        self.assertEqual(len(body.stdout), 100000, body.stderr)
        self.assertEqual(body.stdout[:30], b"abcdefghijklmnopqrstuvwxyzabcd")
        stream = self.curl("-N", base + "/stream/3?every=20")
        self.assertEqual(stream.stdout.count(b"data: event "), 3, stream.stdout)
        self.assertIn(b"data: event 3 of 3", stream.stdout)
        payload = os.urandom(200_000)
        echoed_body = self.curl("--data-binary", "@-", base + "/", input=payload)
        self.assertEqual(echoed_body.stdout, payload, echoed_body.stderr)

    def test_keep_alive_requests_share_one_tls_connection(self):
        port = self.start_tls_echo()
        # One curl, two URLs: the second goes on the first's connection, which x-echo-connection shows.
        result = self.curl("-D", "-", "-o", "/dev/null", "-o", "/dev/null",
                           f"https://127.0.0.1:{port}/a", f"https://127.0.0.1:{port}/b")
        self.assertEqual(result.returncode, 0, result.stderr)
        ids = [line.split(b":", 1)[1].strip() for line in result.stdout.splitlines()
               if line.lower().startswith(b"x-echo-connection:")]
        self.assertEqual(len(ids), 2, result.stdout)
        self.assertEqual(ids[0], ids[1], result.stdout)

    def test_tls_1_2_and_1_3_with_alpn_http_1_1(self):
        port = self.start_tls_echo()
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            context = ssl.create_default_context(cafile=self.pki.ca_cert)
            context.minimum_version = context.maximum_version = version
            context.set_alpn_protocols(["h2", "http/1.1"])
            with socket.create_connection((LOOPBACK, port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    self.assertEqual(tls.version(), version.name.replace("_", "."))
                    self.assertEqual(tls.selected_alpn_protocol(), "http/1.1")
                    tls.sendall(b"GET /status/201 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    answer = b""
                    while chunk := tls.recv(4096):
                        answer += chunk
                    self.assertTrue(answer.startswith(b"HTTP/1.1 201 "), answer[:200])

    def test_untrusted_clients_are_refused_and_the_server_keeps_serving(self):
        port = self.start_tls_echo()
        refused = subprocess.run([CURL, "-sS", "--max-time", "10", f"https://localhost:{port}/"],
                                 capture_output=True, timeout=30)
        self.assertEqual(refused.returncode, 60, refused.stderr)  # curl: peer certificate not trusted
        plain = subprocess.run([CURL, "-sS", "--max-time", "10", f"http://127.0.0.1:{port}/"],
                               capture_output=True, timeout=30)
        self.assertNotEqual(plain.returncode, 0)
        self.assertNotIn(b"ok", plain.stdout)
        self.assertEqual(self.curl(f"https://localhost:{port}/").stdout, b"ok")


class EchoTlsUsageTest(TlsToolsTestCase):
    def assert_usage_error(self, args, message: str):
        result = run_cli(["echo", "--listen", f"{LOOPBACK}:0", *args], timeout=20)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn(message, result.stderr)

    def test_missing_unreadable_and_wrong_files_are_usage_errors_naming_the_file(self):
        missing = os.path.join(self.make_temp_dir(), "missing.pem")
        self.assert_usage_error(["--tls-cert", missing, "--tls-key", self.server.key],
                                f"faultline echo: certificate {missing}: No such file or directory")
        self.assert_usage_error(["--tls-cert", self.server.cert, "--tls-key", missing],
                                f"faultline echo: key {missing}: No such file or directory")
        self.assert_usage_error(["--tls-cert", self.server.key, "--tls-key", self.server.key],
                                f"certificate {self.server.key}: no PEM certificate chain in it")
        self.assert_usage_error(["--tls-cert", self.server.cert, "--tls-key", self.other_name.key],
                                f"key {self.other_name.key}: does not match the certificate")
        if os.geteuid() != 0:  # root reads any file
            unreadable = self.write_file("unreadable.pem", "x")
            os.chmod(unreadable, 0)
            self.assert_usage_error(["--tls-cert", unreadable, "--tls-key", self.server.key],
                                    f"certificate {unreadable}: Permission denied")

    def test_a_certificate_without_its_key_is_a_usage_error(self):
        self.assert_usage_error(["--tls-cert", self.server.cert], "--tls-cert requires --tls-key")
        self.assert_usage_error(["--tls-key", self.server.key], "--tls-key requires --tls-cert")


class BenchOverTlsTest(TlsToolsTestCase):
    def test_https_verified_against_cacert_answers_every_request(self):
        port = self.start_tls_echo()
        result, report = self.bench([f"https://localhost:{port}/bytes/1000", "--cacert", self.pki.ca_cert,
                                     "-c", "4", "-t", "1", "-d", "2s"])
        self.assertGreater(report["requests"], 100, result.stdout)
        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        self.assertEqual(report["errors_by_kind"]["tls"], 0)
        self.assertEqual(report["latency_seconds"]["count"], report["requests"])
        self.assertNotIn("first_tls_error", report)
        self.assertIn("tls 0", result.stdout)

    def test_without_the_ca_every_request_fails_as_tls_with_the_reason(self):
        port = self.start_tls_echo()
        result, report = self.bench([f"https://localhost:{port}/", "-c", "2", "-t", "1", "-d", "1s"],
                                    expect_code=1)
        self.assertGreater(report["requests"], 0)
        self.assertEqual(report["errors_by_kind"]["tls"], report["requests"], report["errors_by_kind"])
        self.assertEqual(report["errors"], report["requests"])
        self.assertEqual(report["first_tls_error"]["reason"], "unknown_ca")
        self.assertEqual(report["first_tls_error"]["message"],
                         "certificate verify failed: unable to get local issuer certificate")
        told = [line for line in result.stderr.splitlines() if "TLS handshake failed" in line]
        self.assertEqual(len(told), 1, result.stderr)
        self.assertIn("certificate verify failed: unable to get local issuer certificate", told[0])
        self.assertIn("First TLS error: certificate verify failed", result.stdout)
        self.assertIn("no request got a response", result.stderr)

    def test_the_name_checked_is_the_urls_host(self):
        port = self.start_tls_echo(self.other_name)  # DNS:other.test only
        _, report = self.bench([f"https://127.0.0.1:{port}/", "--cacert", self.pki.ca_cert,
                                "-c", "1", "-t", "1", "-d", "1s"], expect_code=1)
        self.assertEqual(report["errors_by_kind"]["tls"], report["requests"])
        self.assertEqual(report["first_tls_error"]["reason"], "name_mismatch")

    def test_insecure_skips_verification_and_says_so_once(self):
        port = self.start_tls_echo()
        result, report = self.bench([f"https://127.0.0.1:{port}/", "--insecure", "-c", "2", "-t", "1",
                                     "-d", "1s"])
        self.assertGreater(report["requests"], 50)
        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        self.assertEqual(result.stderr.count("--insecure: the server's certificate is not verified"), 1,
                         result.stderr)

    def test_plain_http_is_unchanged(self):
        echo = self.start_echo(threads=1)
        result, report = self.bench([f"http://127.0.0.1:{echo.port}/", "-c", "2", "-t", "1", "-d", "1s"])
        self.assertGreater(report["requests"], 50)
        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        self.assertNotIn("--insecure", result.stderr)

    def test_an_https_url_at_a_plain_server_fails_as_tls(self):
        echo = self.start_echo(threads=1)
        _, report = self.bench([f"https://127.0.0.1:{echo.port}/", "--insecure", "-c", "1", "-t", "1",
                                "-d", "1s"], expect_code=1)
        self.assertEqual(report["errors_by_kind"]["tls"], report["requests"], report["errors_by_kind"])
        self.assertIn("first_tls_error", report)

    def test_scenario_target_with_https_and_a_relative_cacert(self):
        port = self.start_tls_echo()
        directory = self.make_temp_dir()
        shutil.copy(self.pki.ca_cert, os.path.join(directory, "ca.pem"))
        scenario = os.path.join(directory, "tls.toml")
        with open(scenario, "w", encoding="utf-8") as handle:
            handle.write(f'[target]\nurl = "https://localhost:{port}/"\ncacert = "ca.pem"\n'
                         '[load]\nmodel = "open"\nconnections = 4\nthreads = 1\n'
                         '[[stages]]\nduration = "1s"\nrate = 100\n')
        result, report = self.bench(["-s", scenario])
        self.assertAlmostEqual(report["requests"], 100, delta=2)
        self.assertEqual(report["errors"], 0, result.stdout)

    def test_tls_usage_errors(self):
        for args, message in (
                (["https://localhost:1/", "--cacert", "/nonexistent/ca.pem"],
                 "--cacert /nonexistent/ca.pem: cannot read the file"),
                (["http://localhost:1/", "--insecure"], "--insecure applies to https:// URLs only"),
                (["https://localhost:1/", "--insecure", "--cacert", self.pki.ca_cert],
                 "give --cacert FILE or --insecure, not both")):
            result = run_cli(["bench", *args, "-d", "1s"], timeout=20)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn(message, result.stderr)
        # A file that is there but holds no certificate: the run cannot start.
        result = run_cli(["bench", "https://localhost:1/", "--cacert", self.server.key, "-d", "1s"],
                         timeout=20)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"cacert {self.server.key}:", result.stderr)


class ResumingServer:
    """A TLS server in this process that answers each request with Connection: close and
    counts the handshakes that resumed a session (what `faultline bench` must offer)."""

    def __init__(self, issued, connections: int):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(issued.cert, issued.key)
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(20)
        self.port = self.listener.getsockname()[1]
        self.handshakes = 0
        self.resumed = 0
        self.errors = []
        self.thread = threading.Thread(target=self._serve, args=(connections,), daemon=True)
        self.thread.start()

    def _serve(self, connections: int) -> None:
        for _ in range(connections):
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            raw.settimeout(10)
            try:
                with self.context.wrap_socket(raw, server_side=True) as tls:
                    self.handshakes += 1
                    self.resumed += 1 if tls.session_reused else 0
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        request += chunk
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except (OSError, ssl.SSLError) as error:
                self.errors.append(repr(error))

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


class BenchSessionResumptionTest(TlsToolsTestCase):
    def test_new_connections_resume_the_session(self):
        server = ResumingServer(self.server, connections=30)
        self.addCleanup(server.close)
        # Every answer closes its connection: each request after the first opens a new one.
        _, report = self.bench([f"https://localhost:{server.port}/", "--cacert", self.pki.ca_cert,
                                "--rate", "30", "-c", "1", "-t", "1", "-d", "1s"])
        self.assertEqual(report["errors"], 0, report["errors_by_kind"])
        self.assertEqual(report["requests"], 30)
        server.thread.join(timeout=10)
        self.assertEqual(server.handshakes, 30, server.errors)
        # The first handshake is a full one; every later connection resumes.
        self.assertGreaterEqual(server.resumed, 28, server.errors)


if __name__ == "__main__":
    unittest.main()
