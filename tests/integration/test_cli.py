"""The command line: version, check, usage errors and --help (README "Command line")."""

import re
import socket
import time
import unittest

from harness import LOOPBACK, FaultlineProcess, FaultlineTestCase, closed_port, render_config, route, run_cli

VALID_CONFIG = render_config([route("api", 9000, "/")])

# Two mistakes at known places: an unknown key (line 3) and a bad duration (line 9).
INVALID_CONFIG = """[server]
listen = "127.0.0.1:0"
bogus_key = 1

[[routes]]
name = "api"
path_prefix = "/"
upstream = "http://127.0.0.1:9000"
request_timeout = "soon"
"""

SUBCOMMANDS = ["proxy", "demo", "echo", "check", "bench", "version"]


class CliTest(FaultlineTestCase):
    def test_version_prints_name_and_version(self):
        result = run_cli(["version"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "faultline 0.1.0")

    def test_check_accepts_valid_config(self):
        path = self.write_file("good.toml", VALID_CONFIG)
        result = run_cli(["check", "-c", path])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{path}: ok", result.stdout)

    def test_check_reports_every_error_with_file_line_col(self):
        path = self.write_file("bad.toml", INVALID_CONFIG)
        result = run_cli(["check", "-c", path])
        self.assertEqual(result.returncode, 1, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        located = re.compile(re.escape(path) + r":(\d+):(\d+): (\S+): .+")
        errors = {}
        for line in result.stderr.splitlines():
            match = located.search(line)
            if match:
                errors[match.group(3)] = int(match.group(1))
        self.assertEqual(
            errors,
            {"server.bogus_key": 3, "routes[0].request_timeout": 9},
            f"expected both errors as file:line:col: key.path: message; stderr was:\n{result.stderr}",
        )

    def test_check_of_missing_file_fails_with_exit_1(self):
        missing = self.make_temp_dir() + "/does-not-exist.toml"
        result = run_cli(["check", "-c", missing])
        self.assertEqual(result.returncode, 1, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        self.assertIn("does-not-exist.toml", result.stderr)

    def test_proxy_refuses_to_start_with_invalid_config(self):
        path = self.write_file("bad.toml", INVALID_CONFIG)
        result = run_cli(["proxy", "-c", path], timeout=20)
        self.assertEqual(result.returncode, 1, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        self.assertRegex(result.stderr, re.escape(path) + r":3:\d+: server\.bogus_key")

    def test_proxy_exits_1_when_listen_port_is_taken(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            holder.bind((LOOPBACK, 0))
            holder.listen(1)
            taken = holder.getsockname()[1]
            config = render_config([route("api", closed_port())], server={"listen": f"{LOOPBACK}:{taken}"})
            path = self.write_file("taken.toml", config)
            process = FaultlineProcess(["proxy", "-c", path], name="proxy")
            self.addCleanup(process.kill)
            returncode = process.wait(timeout=15)
        self.assertEqual(returncode, 1, "proxy must fail (exit 1) when it cannot bind\n" + process.output_tail())

    def test_unknown_subcommand_is_usage_error(self):
        result = run_cli(["frobnicate"])
        self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")

    def test_unknown_flag_is_usage_error(self):
        for args in (["check", "--no-such-flag"], ["proxy", "--no-such-flag", "-c", "x.toml"], ["version", "--bogus"]):
            with self.subTest(args=args):
                result = run_cli(args)
                self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")

    def test_missing_config_flag_is_usage_error(self):
        for subcommand in ("proxy", "check"):
            with self.subTest(subcommand=subcommand):
                started = time.monotonic()
                result = run_cli([subcommand], timeout=20)
                self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")
                self.assertLess(time.monotonic() - started, 15)

    def test_help_on_every_subcommand_exits_0(self):
        for args in [["--help"]] + [[name, "--help"] for name in SUBCOMMANDS]:
            with self.subTest(args=args):
                result = run_cli(args)
                self.assertEqual(result.returncode, 0, f"stdout={result.stdout!r} stderr={result.stderr!r}")
                self.assertTrue(result.stdout.strip(), "help text expected on stdout")
                if len(args) == 2:  # the subcommand's own help, not the top-level one
                    self.assertRegex(result.stdout, r"(?m)^Usage:.*\bfaultline " + args[0] + r"\b")


if __name__ == "__main__":
    unittest.main()
