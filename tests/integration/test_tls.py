"""TLS on both sides of the proxy: the HTTPS listener (certificates from PEM files,
ALPN, rotation on disk), https upstreams (verification, SNI, mTLS, session resumption),
and the failures: each answered with a reason and counted in
faultline_tls_handshake_errors_total. Every certificate is made at test time (tls_certs)."""

import http.client
import os
import shutil
import socket
import ssl
import time
import unittest

import harness
from harness import FaultlineTestCase, route, run_cli, scrape_metrics, select_samples, sum_samples
from tls_certs import TestPki, not_after_unix
from tls_upstream import TlsUpstream


def client_context(ca_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def https_get(port: int, path: str, ca_file: str, host: str = "localhost", timeout: float = 10.0):
    connection = http.client.HTTPSConnection(host, port, context=client_context(ca_file), timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def handshake_errors(admin_port: int, side: str, reason: str) -> float:
    return sum_samples(scrape_metrics(admin_port), "faultline_tls_handshake_errors_total", side=side,
                       reason=reason)


class TlsTestCase(FaultlineTestCase):
    def setUp(self):
        self.pki = TestPki(self.make_temp_dir())
        self.server_cert = self.pki.issue("localhost", file_stem="listener")

    def start_tls_upstream(self, issued, client_ca=None) -> TlsUpstream:
        upstream = TlsUpstream(issued.cert, issued.key, client_ca)
        self.addCleanup(upstream.close)
        return upstream

    def https_route(self, name, port, prefix="/", **extra):
        entry = {"name": name, "path_prefix": prefix, "upstream": f"https://localhost:{port}"}
        entry.update(extra)
        return entry


class ListenerTest(TlsTestCase):
    def start_tls_proxy(self, **server):
        echo = self.start_echo()
        settings = {"tls": {"cert": self.server_cert.cert, "key": self.server_cert.key}}
        settings.update(server)
        return self.start_proxy([route("api", echo.port)], server=settings)

    def test_requests_through_the_tls_listener_with_alpn_http11(self):
        proxy = self.start_tls_proxy()
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
            with client_context(self.pki.ca_cert).wrap_socket(raw, server_hostname="localhost") as tls:
                self.assertEqual(tls.selected_alpn_protocol(), "http/1.1")
                self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
                for _ in range(3):  # keep-alive inside one TLS session
                    tls.sendall(b"GET /bytes/5000 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    response = harness.read_response(harness.SocketReader(tls))
                    self.assertEqual(response.status, 200)
                    self.assertEqual(len(response.body), 5000)
        samples = scrape_metrics(proxy.admin_port)
        self.assertEqual(sum_samples(samples, "faultline_requests_total", route="api", code="200"), 3)
        expiry = select_samples(samples, "faultline_tls_certificate_expiry_timestamp_seconds",
                                side="client")
        self.assertEqual([(s.labels["name"], s.value) for s in expiry],
                         [("localhost", not_after_unix(self.server_cert.cert))])

    def test_curl_through_the_tls_listener(self):
        if shutil.which("curl") is None:
            self.skipTest("curl is not installed")
        proxy = self.start_tls_proxy()
        result = harness.subprocess.run(
            ["curl", "-sS", "--cacert", self.pki.ca_cert, "-w", "\n%{http_code} %{http_version}",
             f"https://localhost:{proxy.port}/headers"], capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.endswith("200 1.1"), result.stdout)
        self.assertIn("via: 1.1 faultline", result.stdout.lower())

    def test_plain_http_on_the_tls_port_is_told_so(self):
        proxy = self.start_tls_proxy()
        response = self.get(proxy.port, "/")
        self.assertEqual(response.status, 400)
        self.assertIn(b"speaks TLS", response.body)
        self.assertEqual(handshake_errors(proxy.admin_port, "client", "plain_http"), 1)

    def test_the_handshake_is_bounded_by_header_timeout(self):
        proxy = self.start_tls_proxy(header_timeout="500ms")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
            raw.sendall(b"\x16\x03\x01")  # the start of a ClientHello, and then nothing
            started = time.monotonic()
            self.assertEqual(raw.recv(100), b"")
            self.assertLess(time.monotonic() - started, 3.0)
        deadline = time.monotonic() + 5
        while handshake_errors(proxy.admin_port, "client", "timeout") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(handshake_errors(proxy.admin_port, "client", "timeout"), 1)

    def test_a_client_offering_only_h2_is_refused_for_alpn(self):
        proxy = self.start_tls_proxy()
        context = ssl.create_default_context(cafile=self.pki.ca_cert)
        context.set_alpn_protocols(["h2"])
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
            with self.assertRaises(ssl.SSLError):
                context.wrap_socket(raw, server_hostname="localhost")
        # The client may read the alert before the proxy has counted it.
        deadline = time.monotonic() + 5
        while handshake_errors(proxy.admin_port, "client", "alpn") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(handshake_errors(proxy.admin_port, "client", "alpn"), 1)

    def test_faults_act_over_tls(self):
        echo = self.start_echo()
        path = self.write_file("faultline.toml", harness.render_config(
            [route("api", echo.port)],
            server={"tls": {"cert": self.server_cert.cert, "key": self.server_cert.key}}) + """
[faults]
active_profile = "broken"

[[faults.profiles.broken]]
name = "slow"
delay = { distribution = "fixed", value = "150ms" }

[[faults.profiles.broken]]
name = "down"
match = { path_prefix = "/down" }
abort = { status = 503 }
""")
        proxy = harness.ProxyServer(path)
        self.addCleanup(self._check_stopped, proxy.process, True)
        started = time.monotonic()
        status, body, _ = https_get(proxy.port, "/up", self.pki.ca_cert)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.15)
        status, _, headers = https_get(proxy.port, "/down", self.pki.ca_cert)
        self.assertEqual(status, 503)
        samples = scrape_metrics(proxy.admin_port)
        self.assertEqual(sum_samples(samples, "faultline_faults_injected_total", rule="down"), 1)
        self.assertEqual(sum_samples(samples, "faultline_requests_total", outcome="injected"), 2,
                         select_samples(samples, "faultline_requests_total"))


class RotationTest(TlsTestCase):
    def test_a_certificate_replaced_on_disk_is_served_without_a_restart(self):
        echo = self.start_echo()
        directory = self.make_temp_dir()
        cert, key = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
        first = self.pki.issue("first.local", sans=("DNS:localhost",), file_stem="first")
        second = self.pki.issue("second.local", sans=("DNS:localhost",), file_stem="second")
        shutil.copy(first.cert, cert)
        shutil.copy(first.key, key)
        proxy = self.start_proxy([route("api", echo.port)], server={"tls": {"cert": cert, "key": key}})

        def subject_served() -> str:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as raw:
                with client_context(self.pki.ca_cert).wrap_socket(raw, server_hostname="localhost") as tls:
                    return dict(rdn[0] for rdn in tls.getpeercert()["subject"])["commonName"]

        self.assertEqual(subject_served(), "first.local")
        kept = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        kept = client_context(self.pki.ca_cert).wrap_socket(kept, server_hostname="localhost")
        self.addCleanup(kept.close)
        kept.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reader = harness.SocketReader(kept)
        self.assertEqual(harness.read_response(reader).status, 200)

        # As a Kubernetes secret or cert-manager replaces them: new files renamed over the old.
        for source, target in ((second.cert, cert), (second.key, key)):
            shutil.copy(source, target + ".new")
            os.rename(target + ".new", target)
        proxy.process.wait_for_line(r"config reloaded \(file change\)", timeout=10)
        self.assertEqual(subject_served(), "second.local")
        # The connection opened before the rotation goes on as it was.
        kept.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertEqual(harness.read_response(reader).status, 200)
        expiry = select_samples(scrape_metrics(proxy.admin_port),
                                "faultline_tls_certificate_expiry_timestamp_seconds", side="client")
        self.assertEqual([s.labels["name"] for s in expiry], ["second.local"])

    def test_a_broken_certificate_keeps_the_running_one(self):
        echo = self.start_echo()
        directory = self.make_temp_dir()
        cert, key = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
        shutil.copy(self.server_cert.cert, cert)
        shutil.copy(self.server_cert.key, key)
        proxy = self.start_proxy([route("api", echo.port)], server={"tls": {"cert": cert, "key": key}})
        with open(cert, "w") as out:
            out.write("not a certificate\n")
        proxy.process.wait_for_line(r"config reload \(file change\) rejected", timeout=10)
        proxy.process.wait_for_line(r"server\.tls: certificate .*tls\.crt", timeout=5)
        status, _, _ = https_get(proxy.port, "/", self.pki.ca_cert)
        self.assertEqual(status, 200)


class UpstreamTest(TlsTestCase):
    def proxy_to(self, *routes):
        return self.start_proxy(list(routes))

    def assert_refused(self, proxy, path, reason_text, reason_label):
        response = self.get(proxy.port, path)
        self.assertEqual(response.status, 502, response.body)
        self.assertIn(reason_text, response.body.decode())
        self.assertEqual(handshake_errors(proxy.admin_port, "upstream", reason_label), 1)

    def test_verified_against_tls_ca(self):
        upstream = self.start_tls_upstream(self.pki.issue("localhost", file_stem="upstream"))
        proxy = self.proxy_to(self.https_route("api", upstream.port, tls_ca=self.pki.ca_cert))
        response = self.get(proxy.port, "/")
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.body, b"ok")

    def test_unknown_ca_expired_and_wrong_name_answer_502_with_the_reason(self):
        trusted = self.start_tls_upstream(self.pki.issue("localhost", file_stem="ok"))
        expired = self.start_tls_upstream(
            self.pki.issue("localhost", start="20200101000000Z", end="20200201000000Z", file_stem="expired"))
        misnamed = self.start_tls_upstream(self.pki.issue("elsewhere", sans=("DNS:elsewhere.example",),
                                                          file_stem="misnamed"))
        ca = self.pki.ca_cert
        proxy = self.proxy_to(
            self.https_route("system-store", trusted.port, "/unknown"),  # our CA is not a system CA
            self.https_route("expired", expired.port, "/expired", tls_ca=ca),
            self.https_route("misnamed", misnamed.port, "/misnamed", tls_ca=ca),
            self.https_route("renamed", misnamed.port, "/renamed", tls_ca=ca,
                             tls_server_name="elsewhere.example"))
        self.assert_refused(proxy, "/unknown", "certificate verify failed", "unknown_ca")
        self.assert_refused(proxy, "/expired", "certificate has expired", "expired")
        self.assert_refused(proxy, "/misnamed", "hostname mismatch", "name_mismatch")
        self.assertEqual(self.get(proxy.port, "/renamed").status, 200)  # SNI and name from tls_server_name
        samples = scrape_metrics(proxy.admin_port)
        self.assertEqual(sum_samples(samples, "faultline_upstream_errors_total", route="expired",
                                     reason="connect"), 1)

    def test_tls_verify_false_connects_and_is_logged_once(self):
        upstream = self.start_tls_upstream(self.pki.issue("localhost", file_stem="upstream"))
        proxy = self.proxy_to(self.https_route("api", upstream.port, tls_verify=False))
        self.assertEqual(self.get(proxy.port, "/").status, 200)
        warnings = [line for line in proxy.process.lines() if "tls_verify = false" in line]
        self.assertEqual(len(warnings), 1, warnings)

    def test_mtls_with_and_without_a_client_certificate(self):
        client = self.pki.issue("faultline-client", sans=(), client=True, file_stem="client")
        upstream = self.start_tls_upstream(self.pki.issue("localhost", file_stem="upstream"),
                                           client_ca=self.pki.ca_cert)
        ca = self.pki.ca_cert
        proxy = self.proxy_to(
            self.https_route("anonymous", upstream.port, "/anonymous", tls_ca=ca),
            self.https_route("mtls", upstream.port, "/mtls", tls_ca=ca, tls_client_cert=client.cert,
                             tls_client_key=client.key))
        response = self.get(proxy.port, "/mtls")
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(harness.first_header(response.headers, "x-client-cert"), "faultline-client")
        response = self.get(proxy.port, "/anonymous")
        self.assertEqual(response.status, 502, response.body)
        self.assertIn("certificate", response.body.decode())
        errors = sum(handshake_errors(proxy.admin_port, "upstream", reason)
                     for reason in ("no_certificate", "peer_alert"))
        self.assertEqual(errors, 1)
        expiry = select_samples(scrape_metrics(proxy.admin_port),
                                "faultline_tls_certificate_expiry_timestamp_seconds", side="upstream")
        self.assertEqual([(s.labels["name"], s.value) for s in expiry],
                         [("faultline-client", not_after_unix(client.cert))])

    def test_keep_alive_reuses_and_new_connections_resume_the_session(self):
        upstream = self.start_tls_upstream(self.pki.issue("localhost", file_stem="upstream"))
        proxy = self.start_proxy([self.https_route("api", upstream.port, tls_ca=self.pki.ca_cert)],
                                 server={"threads": 1})
        conn = self.connect(proxy.port)
        for _ in range(3):  # one upstream connection, reused
            self.assertEqual(conn.request("GET", "/").status, 200)
        self.assertEqual(upstream.stats()[0], 1)
        resumed = []
        for _ in range(4):  # each answer closes: every next request needs a new connection
            response = conn.request("GET", "/close")
            self.assertEqual(response.status, 200)
            resumed.append(harness.first_header(response.headers, "x-tls-resumed"))
        self.assertEqual(upstream.stats()[0], 4)
        # The first went on the kept connection (a full handshake); the new ones resumed.
        self.assertEqual(resumed, ["0", "1", "1", "1"])


class ConfigTest(TlsTestCase):
    def check(self, text: str):
        return run_cli(["check", "-c", self.write_file("faultline.toml", text)])

    def test_tls_errors_name_the_key_and_the_file(self):
        result = self.check(f"""[server]
tls = {{ cert = "missing.pem", key = "{self.server_cert.key}" }}

[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"
tls_ca = "ca.pem"
""")
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r"faultline\.toml:2:\d+: server\.tls: certificate .*missing\.pem: No such file")
        self.assertRegex(result.stderr, r"faultline\.toml:7:\d+: routes\[0\]\.tls_ca: only for https:// upstreams")

    def test_relative_paths_are_taken_from_the_config_directory(self):
        directory = os.path.dirname(self.write_file("faultline.toml", ""))
        shutil.copy(self.server_cert.cert, os.path.join(directory, "server.pem"))
        shutil.copy(self.server_cert.key, os.path.join(directory, "server.key"))
        config = os.path.join(directory, "faultline.toml")
        with open(config, "w") as out:
            out.write('[server]\ntls = { cert = "server.pem", key = "server.key" }\n\n'
                      '[[routes]]\nname = "api"\nupstream = "https://127.0.0.1:9443"\n')
        result = run_cli(["check", "-c", config], cwd="/")
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
