// What the browser tests share: Debian's chromium started headless through
// playwright-core (installed by tests/integration/browser.py into the build tree), a
// record of every console error and uncaught exception, and JSON lines on stdout that the
// Python side reads.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import path from 'node:path';

const tools = process.env.FAULTLINE_BROWSER_TOOLS;
if (!tools) throw new Error('FAULTLINE_BROWSER_TOOLS is not set (see tests/integration/browser.py)');
const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');

export function report(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

export async function openBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.FAULTLINE_CHROMIUM || '/usr/bin/chromium',
    // Tests run as root in CI, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 640 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('exception: ' + e.message));
  page.on('requestfailed', (r) => {
    // The live page's own polls fail on purpose once the proxy is stopped.
    if (!r.url().includes('/api/v1/')) problems.push('request failed: ' + r.url());
  });
  return { browser, page, problems };
}

// Waits for the test driver to write a line on stdin (after it acted on a reported step).
const lines = createInterface({ input: process.stdin });
const pending = [];
lines.on('line', (line) => { const next = pending.shift(); if (next) next(line); });
export function nextLine() {
  return new Promise((resolve) => pending.push(resolve));
}

export async function until(what, predicate, timeoutMs, intervalMs = 50) {
  const start = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
