"""Shared helpers for the deploy/ tests (tests/deploy/test_*.py, run by `make test-deploy`).

They check the deployment files the way their tools read them: docker-compose renders the
compose file, kubectl kustomize the Kubernetes manifests, systemd-analyze the unit, dpkg-deb
the package; faultline itself checks every config they carry. A missing tool skips its tests
with the reason (scripts/install-deps.sh deploy installs them all).

Environment: FAULTLINE_BIN (the built binary), FAULTLINE_DEB (the built .deb), both set by
the Makefile; FAULTLINE_SOURCE_DIR defaults to this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("FAULTLINE_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
DEPLOY_DIR = os.path.join(SOURCE_DIR, "deploy")
BIN = os.environ.get("FAULTLINE_BIN") or os.path.join(SOURCE_DIR, "build", "app", "faultline")

# The integration harness (the binary, processes, raw HTTP, metrics parsing) serves every
# test that runs faultline.
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
os.environ.setdefault("FAULTLINE_BIN", BIN)
os.environ.setdefault("FAULTLINE_SOURCE_DIR", SOURCE_DIR)
from harness import binary_path as faultline_binary, run_cli  # noqa: E402  (after the path is set)

try:
    import yaml  # PyYAML: Debian python3-yaml (a dependency of docker-compose)
except ImportError:  # pragma: no cover - reported by the tests that need it
    yaml = None


def require_tool(test: unittest.TestCase, name: str, why: str) -> str:
    path = shutil.which(name)
    if not path:
        test.skipTest(f"{name} not installed ({why}); scripts/install-deps.sh deploy installs it")
    return path


def require_yaml(test: unittest.TestCase) -> None:
    if yaml is None:
        test.skipTest("PyYAML missing (Debian python3-yaml); run the deploy tests with /usr/bin/python3")


def run(args, timeout: float = 120.0, cwd: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                            stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
    return result


def faultline_check_text(test: unittest.TestCase, text: str, name: str = "faultline.toml") -> None:
    """`faultline check` on a config given as text: must exit 0."""
    with tempfile.TemporaryDirectory(prefix="faultline-deploy-") as folder:
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        result = run_cli(["check", "-c", path])
        test.assertEqual(result.returncode, 0, f"faultline check rejected {name}:\n{result.stdout}{result.stderr}")


def parse_toml(text: str) -> dict:
    return tomllib.loads(text)


def read_text(*parts: str) -> str:
    with open(os.path.join(*parts), encoding="utf-8") as handle:
        return handle.read()


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s|m)$")


def seconds(text: str) -> float:
    """A faultline ("30s", "250ms"), compose ("30s") or systemd ("45s", "45") duration, in seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def host_port(address: str) -> tuple:
    """("0.0.0.0", 8080) from "0.0.0.0:8080"; ("echo", 9000) from "http://echo:9000"."""
    address = address.split("://", 1)[-1].rstrip("/")
    host, _, port = address.rpartition(":")
    return host, int(port)
