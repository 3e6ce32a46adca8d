"""npm packages the node-driven tests use, installed on first use into the build tree.

Each set of node scripts (tests/browser/, tests/toxiproxy_client/) pins its packages in its own
package.json; install_pinned() copies that file into a tools directory beside the binary
(build/<name>, or a directory named by an environment variable) and runs `npm install` there
once, again only when the pinned version changes. A machine without node or npm skips the
test and says why (scripts/install-deps.sh installs both); a failing npm install fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unittest

from harness import BIN

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(BIN)))
NPM_TIMEOUT = 300.0


def tools_dir(env_var: str, name: str) -> str:
    return os.environ.get(env_var) or os.path.join(BUILD_DIR, name)


def _pinned_version(scripts_dir: str, package: str) -> str:
    with open(os.path.join(scripts_dir, "package.json"), encoding="utf-8") as handle:
        return json.load(handle)["dependencies"][package]


def installed_version(tools: str, package: str) -> str | None:
    path = os.path.join(tools, "node_modules", package, "package.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)["version"]
    except (OSError, ValueError, KeyError):
        return None


def require_node(purpose: str) -> None:
    """Skips the test where node or npm is missing; purpose says what they would have done."""
    if not shutil.which("node") or not shutil.which("npm"):
        raise unittest.SkipTest(f"node and npm are not installed, so {purpose} "
                                "(scripts/install-deps.sh installs them)")


def install_pinned(scripts_dir: str, tools: str, package: str) -> str:
    """Installs the version of package that scripts_dir/package.json pins into tools; returns it."""
    pinned = _pinned_version(scripts_dir, package)
    if installed_version(tools, package) != pinned:
        os.makedirs(tools, exist_ok=True)
        shutil.copyfile(os.path.join(scripts_dir, "package.json"), os.path.join(tools, "package.json"))
        result = subprocess.run([shutil.which("npm"), "install", "--no-audit", "--no-fund", "--loglevel=error"],
                                cwd=tools, capture_output=True, text=True, timeout=NPM_TIMEOUT,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0 or installed_version(tools, package) != pinned:
            raise AssertionError(f"npm install {package}@{pinned} into {tools} failed "
                                 f"({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return pinned
