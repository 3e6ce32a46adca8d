// Opens an HTML report of `faultline bench --html` from disk, with the network cut off,
// and reports what a reader would see: every chart and its lines as rendered, the stage
// table's marked rows, the gates, and any console error or network request.
//
// argv[2]: {"file": "/abs/report.html", "screenshot": "/abs/html-report.png"}
import { openBrowser, report } from './browser.mjs';
import { pathToFileURL } from 'node:url';

const plan = JSON.parse(process.argv[2]);
const { browser, page, problems } = await openBrowser();
try {
  const requests = [];
  await page.context().setOffline(true);
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(pathToFileURL(plan.file).href, { waitUntil: 'load' });
  const charts = await page.$$eval('figure.chart', (figures) => figures.map((f) => ({
    id: f.dataset.chart,
    title: f.querySelector('figcaption b').textContent,
    width: f.querySelector('svg').getBoundingClientRect().width,
    series: [...f.querySelectorAll('path.series')].map((p) => {
      const box = p.getBBox();
      return { key: p.dataset.series, points: Number(p.dataset.points), width: box.width, height: box.height };
    }),
    ticks: [...f.querySelectorAll('svg text')].map((t) => t.textContent),
  })));
  const rows = (selector) => page.$$eval(selector, (trs) => trs.map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  if (plan.screenshot) await page.screenshot({ path: plan.screenshot, fullPage: true });
  report({ step: 'report', title: await page.title(), charts,
    broke: await rows('table.stages tr.broke'), last_good: await rows('table.stages tr.last-good'),
    stages: (await rows('table.stages tr')).length - 1,
    failed: await rows('table.gates tr.failed'), passed: await rows('table.gates tr.passed'),
    summary: await page.$$eval('[data-summary]', (els) => Object.fromEntries(
      els.map((e) => [e.dataset.summary, e.querySelector('b').textContent]))),
    requests, problems });
} catch (error) {
  report({ step: 'error', error: String(error && error.stack || error), problems });
} finally {
  await browser.close();
  process.exit(0);
}
