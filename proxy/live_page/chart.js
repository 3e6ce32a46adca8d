// The live page's charts and number formats (app.js draws with them): inline SVG line
// charts over the last minutes, redrawn from the kept points each second.
'use strict';
const LiveChart = (() => {
  const KEEP_SECONDS = 300;

  // ---- Formatting ----
  function fmtSeconds(s) {
    if (s == null || !isFinite(s)) return '—';
    if (s === 0) return '0';
    if (s < 1e-3) return Math.round(s * 1e6) + 'us';
    if (s < 1) return (s * 1e3).toPrecision(3).replace(/\.0+$/, '') + 'ms';
    return s.toFixed(2) + 's';
  }
  const fmtRate = (r) => (r == null ? '—' : r < 10 ? r.toFixed(1) : Math.round(r).toString());
  const fmtAxis = (v) => (v >= 1000 ? +(v / 1000).toFixed(1) + 'k' : String(+v.toFixed(2)));
  const fmtPercent = (f) => (f == null ? '—' : (f * 100).toFixed(f < 0.1 ? 2 : 1) + '%');

  // ---- Charts: inline SVG, redrawn from the kept points each second ----
  const W = 600, H = 170, L = 54, R = 10, T = 8, B = 20;

  // A round step (1, 2 or 5 times a power of ten) that splits 0..max into about 4.
  function niceStep(max) {
    const raw = max > 0 ? max / 4 : 0.25;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // The time axis spans what was seen so far, from 30 s up to KEEP_SECONDS.
  function timeSpan(points, now) {
    const first = points.length ? points[0].t : now;
    return Math.min(KEEP_SECONDS, Math.max(30, now - first));
  }

  function timeTicks(span) {
    const step = span <= 60 ? 10 : span <= 150 ? 30 : 60;
    const ticks = [];
    for (let ago = 0; ago <= span + 0.01; ago += step) ticks.push(ago);
    return ticks;
  }

  function agoLabel(ago) {
    if (ago === 0) return 'now';
    return '−' + (ago % 60 === 0 ? ago / 60 + 'm' : ago + 's');
  }

  function drawChart(svg, points, series, options) {
    const now = Date.now() / 1000;
    const span = timeSpan(points, now);
    const t0 = now - span;
    let max = 0, min = Infinity;
    for (const p of points) {
      for (const s of series) {
        const v = s.value(p);
        if (v == null || !isFinite(v)) continue;
        max = Math.max(max, v);
        if (v > 0) min = Math.min(min, v);
      }
    }
    let y, ticks;
    if (options.log) {
      const lo = Math.pow(10, Math.floor(Math.log10(isFinite(min) ? min : 1e-4)));
      let hi = Math.pow(10, Math.ceil(Math.log10(max > 0 ? max : lo * 10)));
      if (hi <= lo) hi = lo * 10;
      const span = Math.log10(hi) - Math.log10(lo);
      y = (v) => H - B - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span * (H - T - B);
      ticks = [];
      for (let d = lo; d <= hi * 1.0001; d *= 10) ticks.push(d);
    } else {
      const step = niceStep(max);
      const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
      y = (v) => H - B - v / top * (H - T - B);
      ticks = [];
      for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
    }
    const x = (t) => L + (t - t0) / span * (W - L - R);
    let out = '';
    for (const v of ticks) {
      const yy = y(v).toFixed(1);
      out += `<line class="grid" x1="${L}" x2="${W - R}" y1="${yy}" y2="${yy}"/>` +
        `<text x="${L - 4}" y="${(+yy + 3).toFixed(1)}" text-anchor="end">${options.format(v)}</text>`;
    }
    for (const ago of timeTicks(span)) {
      const anchor = ago === 0 ? 'end' : ago >= span - 0.01 ? 'start' : 'middle';
      out += `<text x="${x(now - ago).toFixed(1)}" y="${H - 5}" text-anchor="${anchor}">` +
        `${agoLabel(ago)}</text>`;
    }
    for (const s of series) {
      let d = '', pen = false, last = null;
      for (const p of points) {
        const v = s.value(p);
        if (v == null || !isFinite(v)) { pen = false; continue; }
        d += (pen ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
        last = v;
      }
      out += `<path class="series" data-series="${s.key}" data-last="${last == null ? '' : last}"` +
        ` stroke="${s.color}" d="${d || 'M0 0'}"/>`;
    }
    svg.innerHTML = out;
  }

  function legend(series) {
    return series.map(([, label, color]) => `<i style="background:${color}"></i>${label}`).join('');
  }

  return { KEEP_SECONDS, W, H, drawChart, legend, fmtSeconds, fmtRate, fmtAxis, fmtPercent };
})();
