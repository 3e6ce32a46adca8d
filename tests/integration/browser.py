"""A real browser for the page tests: Debian's `chromium`, headless, driven by the npm
package playwright-core through the node scripts in tests/browser/.

playwright-core is installed on first use with npm into the build tree (build/browser-tools,
or FAULTLINE_BROWSER_TOOLS), pinned by tests/browser/package.json; it downloads no browser
of its own. A machine without chromium or node skips these tests and says why
(scripts/install-deps.sh installs both); a failing npm install fails them.

Screenshots go to FAULTLINE_SCREENSHOT_DIR (build/screenshots by default; `make screenshots`
points it at docs/, where the README's pictures live).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import unittest

import node_packages
from harness import SOURCE_DIR

SCRIPTS_DIR = os.path.join(SOURCE_DIR, "tests", "browser")
TOOLS_DIR = node_packages.tools_dir("FAULTLINE_BROWSER_TOOLS", "browser-tools")
SCREENSHOT_DIR = os.environ.get("FAULTLINE_SCREENSHOT_DIR") or os.path.join(node_packages.BUILD_DIR, "screenshots")


def require() -> dict:
    """The environment for the node scripts; skips the test where no browser can run."""
    chromium = os.environ.get("FAULTLINE_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise unittest.SkipTest("Debian's chromium is not installed, so the pages are not tested in "
                                "a browser (scripts/install-deps.sh installs it)")
    node_packages.require_node("playwright-core cannot drive chromium")
    node_packages.install_pinned(SCRIPTS_DIR, TOOLS_DIR, "playwright-core")
    env = dict(os.environ)
    env.update({"FAULTLINE_BROWSER_TOOLS": TOOLS_DIR, "FAULTLINE_CHROMIUM": chromium})
    return env


def screenshot_path(name: str) -> str:
    os.makedirs(SCREENSHOT_DIR, exist_ok=True)
    return os.path.join(SCREENSHOT_DIR, name)


class BrowserScript:
    """`node tests/browser/SCRIPT PLAN`: its JSON lines on stdout are events, read with
    expect(); reply() writes a line to its stdin."""

    def __init__(self, env: dict, script: str, plan: dict):
        self.proc = subprocess.Popen(
            ["node", os.path.join(SCRIPTS_DIR, script), json.dumps(plan)], cwd=SCRIPTS_DIR, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events: queue.Queue = queue.Queue()
        self.stderr: list = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                self.stderr.append("stdout: " + line.rstrip())
        self.events.put(None)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())

    def expect(self, step: str, timeout: float) -> dict:
        """The next event, which must be `step` (an "error" event fails with its message)."""
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the browser reported no {step!r} within {timeout:.0f} s\n"
                                 + "\n".join(self.stderr[-20:])) from None
        if event is None:
            raise AssertionError(f"the browser script ended before {step!r}\n" + "\n".join(self.stderr[-20:]))
        if event.get("step") != step:
            raise AssertionError(f"expected {step!r} from the browser, got {json.dumps(event)[:3000]}")
        return event

    def reply(self, line: str = "go") -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        # SIGTERM first: playwright then closes the chromium it started.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
