"""An independent HdrHistogram implementation for the tests: HdrHistogram's JS port
(the npm package hdr-histogram-js), installed with npm into a temporary directory and run
with node. `install(test_case)` skips the calling test, saying why, when npm cannot install
it (no npm, or no registry); everything else is a plain function over files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import unittest

PACKAGE = "hdr-histogram-js@3"
INSTALL_TIMEOUT = 240.0

# Reads an HdrHistogram interval log with the package's HistogramLogReader and prints, as
# JSON, every interval (start, end, count, max) and the sum of all of them: count and, per
# percentile, HdrHistogram's value (the top of its bucket) and the bucket's lowest value.
_READ_LOG_JS = r"""
const hdr = require(process.argv[2]);
const text = require("fs").readFileSync(process.argv[3], "utf8");
const percentiles = JSON.parse(process.argv[4]);
const reader = new hdr.HistogramLogReader(text);
const total = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3600000000,
                         numberOfSignificantValueDigits: 3, bitBucketSize: 64,
                         useWebAssembly: false});
const intervals = [];
for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
  intervals.push({start_ms: h.startTimeStampMsec, end_ms: h.endTimeStampMsec,
                  count: h.totalCount, max: h.maxValue});
  total.add(h);
}
const values = {};
for (const p of percentiles) {
  const v = total.getValueAtPercentile(p);
  values[p] = {value: v, lowest: total.lowestEquivalentValue(v)};
}
console.log(JSON.stringify({intervals, count: total.totalCount, max: total.maxValue,
                            percentiles: values}));
"""


class Decoder:
    def __init__(self, module_dir: str):
        self.module_dir = module_dir

    def read_log(self, path: str, percentiles) -> dict:
        script = os.path.join(os.path.dirname(self.module_dir), "read_log.js")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(_READ_LOG_JS)
        result = subprocess.run(["node", script, self.module_dir, path, json.dumps(list(percentiles))],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError("hdr-histogram-js could not read the log:\n" + result.stderr[-3000:])
        return json.loads(result.stdout)


def install(test: unittest.TestCase) -> Decoder:
    """Installs the package (once per test class is enough: the directory lives until the
    interpreter exits) or skips the test."""
    cached = getattr(install, "_decoder", None)
    if cached is not None:
        return cached
    if shutil.which("npm") is None or shutil.which("node") is None:
        test.skipTest("npm and node are needed to install hdr-histogram-js, the independent decoder")
    root = tempfile.mkdtemp(prefix="faultline-hdrjs-")
    try:
        result = subprocess.run(["npm", "install", "--prefix", root, "--no-audit", "--no-fund",
                                 "--no-save", "--loglevel", "error", PACKAGE],
                                capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        shutil.rmtree(root, ignore_errors=True)
        test.skipTest(f"npm could not install {PACKAGE} within {INSTALL_TIMEOUT:.0f} s")
    module_dir = os.path.join(root, "node_modules", "hdr-histogram-js")
    if result.returncode != 0 or not os.path.isdir(module_dir):
        shutil.rmtree(root, ignore_errors=True)
        test.skipTest(f"npm could not install {PACKAGE}: {result.stderr.strip()[-500:]}")
    import atexit
    atexit.register(shutil.rmtree, root, True)
    install._decoder = Decoder(module_dir)
    return install._decoder
