"""deploy/systemd/faultline.service and the .deb that ships it (`make package`).

The unit: `systemd-analyze verify` passes, `systemd-analyze security --offline` rates its
exposure low, it has the hardening the issue asks for, its stop timeout outlasts the drain,
and its ExecReload line, run as systemd would run it against faultline started by its
ExecStart line, reloads the config without a restart.

The package: extracted with `dpkg-deb -x`, it holds the binary, the example config as a
conffile under /etc/faultline, the unit and the README; the extracted `faultline version`
runs and the extracted `faultline check` accepts the shipped config."""

from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import tempfile
import unittest

from deploy_support import (
    DEPLOY_DIR, SOURCE_DIR, faultline_binary, parse_toml, read_text, require_tool, run, seconds,
)

UNIT_PATH = os.path.join(DEPLOY_DIR, "systemd", "faultline.service")
INSTALLED_BINARY = "/usr/bin/faultline"


def unit_settings(text: str) -> dict:
    """{Key: [values...]} of a unit file (sections merged; a key may repeat)."""
    settings: dict = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def verify_unit(test: unittest.TestCase, unit_text: str, binary: str) -> None:
    """systemd-analyze verify and security on the unit, with /usr/bin/faultline pointing at binary
    (verify checks that every Exec* command exists)."""
    require_tool(test, "systemd-analyze", "Debian package systemd")
    with tempfile.TemporaryDirectory(prefix="faultline-unit-") as folder:
        path = os.path.join(folder, "faultline.service")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(unit_text.replace(INSTALLED_BINARY, binary))
        result = run(["systemd-analyze", "verify", path], check=False, timeout=60, cwd=folder)
        test.assertEqual(result.returncode, 0, f"systemd-analyze verify:\n{result.stdout}{result.stderr}")
        test.assertEqual(result.stderr.strip(), "", "systemd-analyze verify warned")
        # Exposure 0.0 (best) .. 10.0; --threshold is in tenths. 2.0 or less is "OK".
        result = run(["systemd-analyze", "security", "--offline=true", "--threshold=20", path],
                     check=False, timeout=60, cwd=folder)
        test.assertEqual(result.returncode, 0, f"exposure above 2.0:\n{result.stdout[-1500:]}{result.stderr}")


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        self.text = read_text(UNIT_PATH)
        self.settings = unit_settings(self.text)

    def test_systemd_analyze_verify_and_security_pass(self):
        verify_unit(self, self.text, faultline_binary())

    def test_hardening_options(self):
        expected = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "DynamicUser": "yes",
                    "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": ""}
        for key, value in expected.items():
            self.assertEqual(self.settings.get(key), [value], key)

    def test_starts_the_proxy_on_the_packaged_config_and_stops_after_the_drain(self):
        self.assertEqual(self.settings["ExecStart"], [f"{INSTALLED_BINARY} proxy -c /etc/faultline/faultline.toml"])
        self.assertEqual(self.settings["KillSignal"], ["SIGTERM"])
        drain = seconds(parse_toml(read_text(DEPLOY_DIR, "faultline.example.toml"))["server"]["drain_timeout"])
        self.assertGreater(seconds(self.settings["TimeoutStopSec"][0]), drain)

    def test_exec_reload_sends_sighup_and_faultline_reloads_without_restarting(self):
        from harness import FaultlineProcess, scrape_metrics, select_samples, render_config

        self.assertEqual(self.settings["ExecReload"], ["/bin/kill -HUP $MAINPID"])
        with tempfile.TemporaryDirectory(prefix="faultline-unit-") as folder:
            config = os.path.join(folder, "faultline.toml")
            with open(config, "w", encoding="utf-8") as handle:
                handle.write(render_config([{"name": "api", "path_prefix": "/", "upstream": "http://127.0.0.1:9"}]))
            start = shlex.split(self.settings["ExecStart"][0].replace("/etc/faultline/faultline.toml", config))
            proxy = FaultlineProcess(start[1:], name="proxy")  # FaultlineProcess adds the binary
            self.addCleanup(proxy.stop)
            admin_port = int(proxy.wait_for_line(r"admin listening on 127\.0\.0\.1:(\d+)").group(1))

            def reloads() -> float:
                return sum(s.value for s in select_samples(scrape_metrics(admin_port), "faultline_config_reloads_total", result="success"))

            before = reloads()
            # ExecReload as systemd runs it: $MAINPID is the ExecStart process.
            reload_command = shlex.split(self.settings["ExecReload"][0].replace("$MAINPID", str(proxy.pid)))
            subprocess.run(reload_command, check=True, timeout=10)
            proxy.wait_for_line(r"reload", timeout=10)
            for _ in range(50):
                if reloads() > before:
                    break
                proxy.wait(0.1)
            self.assertEqual(reloads(), before + 1, proxy.output_tail())
            self.assertTrue(proxy.running(), "SIGHUP ended faultline instead of reloading it")
            self.assertEqual(proxy.stop(), (0, False))


def built_package() -> str:
    path = os.environ.get("FAULTLINE_DEB")
    if not path:
        candidates = sorted(glob.glob(os.path.join(SOURCE_DIR, "build", "faultline_*.deb")))
        path = candidates[-1] if candidates else ""
    if not path or not os.path.isfile(path):
        raise AssertionError("no faultline .deb found: run `make package` (or set FAULTLINE_DEB)")
    return path


class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.package = built_package()
        cls.folder = tempfile.TemporaryDirectory(prefix="faultline-deb-")
        cls.root = os.path.join(cls.folder.name, "root")
        cls.control = os.path.join(cls.folder.name, "control")
        run(["dpkg-deb", "-x", cls.package, cls.root])
        run(["dpkg-deb", "-e", cls.package, cls.control])

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def path(self, absolute: str) -> str:
        return os.path.join(self.root, absolute.lstrip("/"))

    def test_holds_the_binary_config_unit_and_readme(self):
        files = sorted(os.path.relpath(os.path.join(d, f), self.root) for d, _, names in os.walk(self.root) for f in names)
        self.assertEqual(files, [
            "etc/faultline/faultline.toml",
            "lib/systemd/system/faultline.service",
            "usr/bin/faultline",
            "usr/share/doc/faultline/README.md",
            "usr/share/doc/faultline/faultline.example.toml",
        ])
        self.assertEqual(read_text(self.path("/lib/systemd/system/faultline.service")), read_text(UNIT_PATH))
        self.assertEqual(read_text(self.path("/etc/faultline/faultline.toml")), read_text(DEPLOY_DIR, "faultline.example.toml"))
        self.assertEqual(read_text(self.path("/usr/share/doc/faultline/README.md")), read_text(SOURCE_DIR, "README.md"))

    def test_extracted_binary_runs_version_and_checks_the_shipped_config(self):
        binary = self.path(INSTALLED_BINARY)
        version = run([binary, "version"], timeout=30).stdout.strip()
        package_version = run(["dpkg-deb", "-f", self.package, "Version"]).stdout.strip()
        self.assertEqual(version, f"faultline {package_version}")
        result = run([binary, "check", "-c", self.path("/etc/faultline/faultline.toml")], timeout=30)
        self.assertIn("ok", result.stdout + result.stderr)
        # Stripped: no debug sections in the shipped binary.
        self.assertNotIn(".debug_info", run(["readelf", "-S", binary]).stdout)

    def test_config_is_a_conffile_and_dependencies_are_the_linked_libraries(self):
        self.assertEqual(read_text(self.control, "conffiles").split(), ["/etc/faultline/faultline.toml"])
        depends = run(["dpkg-deb", "-f", self.package, "Depends"]).stdout
        for library in ("libspdlog1.10", "libtomlplusplus3", "libprometheus-cpp-core1.0", "libboost-json1.81.0", "libssl3", "libc6"):
            self.assertIn(library, depends)
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(self.control, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            run(["sh", "-n", path])

    def test_shipped_unit_verifies_against_the_shipped_binary(self):
        verify_unit(self, read_text(self.path("/lib/systemd/system/faultline.service")), self.path(INSTALLED_BINARY))


if __name__ == "__main__":
    unittest.main()
