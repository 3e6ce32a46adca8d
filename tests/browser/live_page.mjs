// Drives the live page (GET / on the admin listener) as a user would, while the Python
// test keeps `faultline bench` running through the proxy. Reports each observation as a
// JSON line; tests/integration/test_live_page.py judges them.
//
// argv[2]: {"admin": "http://127.0.0.1:PORT", "route": "echo", "token": "...",
//           "spiky_threshold_seconds": 0.1, "screenshot": "/path/live-page.png"}
import { openBrowser, report, nextLine, until } from './browser.mjs';

const plan = JSON.parse(process.argv[2]);
const { browser, page, problems } = await openBrowser();
const profiles = async () => (await fetch(plan.admin + '/api/v1/profiles')).json();
const panel = `.panel[data-name="${plan.route}"]`;
const stat = (key) => page.textContent(`${panel} [data-stat="${key}"]`);
const chartLast = async (chart, series) => {
  const value = await page.getAttribute(
    `${panel} svg[data-chart="${chart}"] path[data-series="${series}"]`, 'data-last');
  return value ? Number(value) : null;
};
const message = () => page.textContent('#message');

async function clickProfile(name, token) {
  await page.click(`#profiles button[data-profile="${name}"]`);
  await page.waitForSelector('#token-dialog[open]', { timeout: 5000 });
  if (token == null) {
    await page.click('#token-dialog button[value="cancel"]');
  } else {
    await page.fill('#token-input', token);
    await page.click('#token-ok');
  }
}

try {
  await page.goto(plan.admin + '/');
  await until('the page to say "live"', async () =>
    (await page.textContent('#connection')) === 'live', 10000);
  await page.waitForSelector(`${panel} [data-stat="rate"]`, { timeout: 10000 });
  // A rate needs two scrapes with traffic between them: until then the page shows "—".
  await until('a first rate', async () => {
    const rate = (await stat('rate')).trim();
    return rate !== '' && !Number.isNaN(Number(rate));
  }, 10000);

  // The numbers move while load runs.
  const samples = [];
  for (let i = 0; i < 6; ++i) {
    await page.waitForTimeout(800);
    samples.push({ rate: await stat('rate'), p50: await stat('p50'), p99: await stat('p99'),
      rate_chart: await chartLast('rate', 'rate') });
  }
  report({ step: 'numbers', samples });

  // A change without the token: the page asks for it; cancelled, nothing is sent.
  const before = (await profiles()).active;
  await clickProfile('spiky', null);
  await until('a message', async () => (await message()).length > 0, 5000);
  report({ step: 'cancelled', message: await message(), before, after: (await profiles()).active });

  // With a wrong token faultline refuses it (Chromium logs the 401 as a console error:
  // that one is expected).
  await clickProfile('spiky', 'not-the-token');
  await until('the refusal', async () => (await message()).includes('refused'), 5000);
  const refusal = problems.findIndex((p) => /status of 401/.test(p));
  if (refusal >= 0) problems.splice(refusal, 1);
  report({ step: 'wrong_token', message: await message(), after: (await profiles()).active });

  // With the token it switches; the P99 chart shows the spikes within 2 s. A busy
  // machine can stall a request too, so the switch waits for a calm P99 first, and the
  // spikes must keep showing afterwards.
  await until('a calm P99 before the switch', async () => {
    const calm = [];
    for (let i = 0; i < 2; ++i) {
      calm.push(await chartLast('latency', 'p99'));
      await page.waitForTimeout(1000);
    }
    return calm.every((v) => v != null && v < plan.spiky_threshold_seconds);
  }, 30000, 0);
  const p99Before = await chartLast('latency', 'p99');
  await clickProfile('spiky', plan.token);
  const clicked = Date.now();
  await until('the switch to be confirmed', async () =>
    (await message()).includes("'spiky' is active"), 5000, 20);
  const confirmed = Date.now();
  const active = (await profiles()).active;
  await until('the P99 chart to show the spikes', async () =>
    (await chartLast('latency', 'p99')) > plan.spiky_threshold_seconds, 10000, 50);
  const shown = Date.now();
  const after = [];
  for (let i = 0; i < 3; ++i) {
    await page.waitForTimeout(1000);
    after.push(await chartLast('latency', 'p99'));
  }
  report({ step: 'switched', active, p99_before: p99Before, p99_after: after,
    p50_after: await chartLast('latency', 'p50'),
    button_active: await page.getAttribute('#profiles button[data-profile="spiky"]', 'aria-pressed'),
    confirm_ms: confirmed - clicked, chart_ms: shown - confirmed });

  // A reload from the page shows up in the list of reloads.
  await page.click('#reload');
  await until('the reload in the list', async () =>
    (await page.locator('#reloads td.success').count()) > 0, 5000);
  report({ step: 'reloaded', rows: await page.locator('#reloads tr').count() });

  await page.waitForTimeout(6000);  // more of the spikes on the charts for the picture
  if (plan.screenshot) await page.screenshot({ path: plan.screenshot, fullPage: true });

  // The kill switch, both ways: the page says so, and so does the API.
  await page.click('#kill-switch');
  await until('the page to show the kill switch on', async () =>
    (await page.textContent('#kill-text')).includes('Kill switch on'), 5000);
  const killText = await page.textContent('#kill-text');
  const disabled = (await profiles()).faults_enabled;
  await page.click('#kill-switch');
  await until('the page to show faults again', async () =>
    (await page.textContent('#kill-text')).includes('injected by'), 5000);
  report({ step: 'kill_switch', kill_text: killText, disabled_in_api: disabled,
    enabled_in_api: (await profiles()).faults_enabled });

  // A stopped proxy: "disconnected", and no number left standing. From here on the
  // page's polls fail on purpose (Chromium logs each refused connection).
  const problemsWhileUp = [...problems];
  report({ step: 'stop' });
  await nextLine();
  const stopped = Date.now();
  await until('"disconnected"', async () =>
    (await page.textContent('#connection')) === 'disconnected', 10000);
  const numbers = await page.$$eval('[data-stat]', (els) => els.map((e) => e.textContent));
  report({ step: 'disconnected', after_ms: Date.now() - stopped, numbers,
    profile: await page.textContent('#active-profile') });
  const later = problems.slice(problemsWhileUp.length)
    .filter((p) => !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(p));
  report({ step: 'done', problems: [...problemsWhileUp, ...later] });
} catch (error) {
  report({ step: 'error', error: String(error && error.stack || error), problems });
} finally {
  await browser.close();
  process.exit(0);
}
