// The live page: polls /api/v1/stats once a second and turns successive cumulative
// counts into rates, error rates and per-second percentiles here in the browser, so the
// proxy keeps no history and does nothing while nobody has the page open.
'use strict';
(() => {
  const POLL_MS = 1000;
  const FETCH_TIMEOUT_MS = 1500;
  const TOKEN_KEY = 'faultline-admin-token';
  const QUANTILES = [['p50', 0.5], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999]];
  const LATENCY_SERIES = [
    ['p50', 'P50', '#4c9be8'], ['p95', 'P95', '#e0a030'],
    ['p99', 'P99', '#e8554c'], ['p999', 'P99.9', '#9b59d0']];
  const ROUTE_CAUSES = [
    ['upstream_5xx', 'upstream 5xx', '#e8554c'], ['injected', 'injected', '#9b59d0'],
    ['connect', 'connect', '#e0a030'], ['timeout', 'timeout', '#2f6fde'],
    ['reset', 'reset', '#16a3a3'], ['protocol', 'protocol', '#7a7f8a']];
  const TCP_CAUSES = [
    ['upstream_error', 'upstream error', '#e8554c'], ['injected', 'injected', '#9b59d0'],
    ['refused', 'refused', '#e0a030']];

  const { KEEP_SECONDS, W, H, drawChart, legend, fmtSeconds, fmtRate, fmtAxis, fmtPercent } =
    LiveChart;
  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    tokenRequired: false,
    connected: null,
    clock: null,         // the server's clock_seconds at the previous poll
    panels: new Map(),   // "route:api" -> panel
    controlsKey: null,   // what the profile and reload lists were fetched for
    faultsEnabled: true,
    profiles: [],
  };

  const escapeHtml = (text) => String(text).replace(/[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  function say(text, kind) {
    const m = $('message');
    m.textContent = text;
    m.className = kind || '';
  }

  async function getJson(path) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      const response = await fetch(path, { cache: 'no-store', signal: abort.signal });
      if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- From two cumulative snapshots to one point of the charts ----

  // The percentiles of what was recorded between two polls: the coarse buckets
  // ([[midpoint_us, count], ...], cumulative, lowest first) subtracted, then ranked as
  // HdrHistogram does (nearest rank).
  function intervalQuantiles(before, after) {
    const earlier = new Map(before);
    const added = [];
    let total = 0;
    for (const [mid, count] of after) {
      const d = count - (earlier.get(mid) || 0);
      if (d > 0) { added.push([mid, d]); total += d; }
    }
    if (total === 0) return null;
    const out = {};
    for (const [key, q] of QUANTILES) {
      const rank = Math.max(1, Math.ceil(q * total));
      let seen = 0;
      for (const [mid, d] of added) {
        seen += d;
        if (seen >= rank) { out[key] = mid / 1e6; break; }
      }
    }
    return out;
  }

  function point(before, after, dt, t) {
    const n = after.count - before.count;
    if (n < 0 || !(dt > 0)) return null;  // counters went back: a restarted proxy
    const errors = {};
    let failed = 0;
    for (const key of Object.keys(after.errors)) {
      const d = Math.max(0, after.errors[key] - (before.errors[key] || 0));
      errors[key] = d / dt;
      failed += d;
    }
    return { t, rate: n / dt, errors, errorRatio: n > 0 ? failed / n : 0,
      latency: intervalQuantiles(before.buckets, after.buckets) };
  }

  const routeSample = (r) => ({
    count: r.requests, errors: r.errors || {}, inflight: r.inflight,
    buckets: r.request_duration_buckets || [] });
  // A TCP proxy of `tcp_proxies`: connections by outcome ({ok, upstream_error, injected,
  // refused}); connect times when the proxy sends their buckets.
  const tcpSample = (p) => {
    const c = p.connections || {};
    return {
      count: Object.values(c).reduce((a, b) => a + b, 0), inflight: p.active_connections,
      errors: { upstream_error: c.upstream_error || 0, injected: c.injected || 0,
        refused: c.refused || 0 },
      buckets: p.connect_duration_buckets || [] };
  };

  // ---- Panels: one per route and per TCP proxy ----
  function ensurePanel(kind, name) {
    const key = kind + ':' + name;
    let panel = state.panels.get(key);
    if (panel) return panel;
    const causes = kind === 'tcp' ? TCP_CAUSES : ROUTE_CAUSES;
    const el = document.createElement('div');
    el.className = 'card panel';
    el.dataset.kind = kind;
    el.dataset.name = name;
    const unit = kind === 'tcp' ? 'connections/s' : 'req/s';
    const numbers = [['rate', unit], ['error-rate', 'errors'],
      ['inflight', kind === 'tcp' ? 'active' : 'in flight'],
      ['p50', 'P50'], ['p95', 'P95'], ['p99', 'P99'], ['p999', 'P99.9']];
    el.innerHTML = '<h3></h3><div class="numbers">' +
      numbers.map(([k, label]) => `<div><span>${label}</span><b data-stat="${k}">—</b></div>`)
        .join('') + '</div><div class="charts">' +
      `<div class="chart"><h4>${unit}</h4><div class="legend">&nbsp;</div>` +
      `<svg class="plot" data-chart="rate" viewBox="0 0 ${W} ${H}"></svg></div>` +
      `<div class="chart"><h4>errors/s by cause</h4><div class="legend">${legend(causes)}</div>` +
      `<svg class="plot" data-chart="errors" viewBox="0 0 ${W} ${H}"></svg></div>` +
      `<div class="chart"><h4>${kind === 'tcp' ? 'connect time' : 'latency'} (log scale)</h4>` +
      `<div class="legend">${legend(LATENCY_SERIES)}</div>` +
      `<svg class="plot" data-chart="latency" viewBox="0 0 ${W} ${H}"></svg></div></div>`;
    const title = el.querySelector('h3');
    title.textContent = name;
    const tag = document.createElement('span');
    tag.className = 'dim';
    tag.textContent = kind === 'tcp' ? 'TCP proxy' : 'route';
    title.appendChild(tag);
    $('panels').appendChild(el);
    panel = { el, kind, causes, sample: null, points: [] };
    state.panels.set(key, panel);
    return panel;
  }

  function setNumber(panel, key, text) {
    panel.el.querySelector(`[data-stat="${key}"]`).textContent = text;
  }

  function showPanel(panel, sample, t, dt) {
    const p = panel.sample ? point(panel.sample, sample, dt, t) : null;
    panel.sample = sample;
    if (p) panel.points.push(p);
    while (panel.points.length && panel.points[0].t < t - KEEP_SECONDS) panel.points.shift();
    const last = p || {};
    setNumber(panel, 'rate', fmtRate(last.rate));
    setNumber(panel, 'error-rate', fmtPercent(last.errorRatio));
    setNumber(panel, 'inflight', p ? String(sample.inflight) : '—');
    for (const [key] of QUANTILES) setNumber(panel, key, fmtSeconds(last.latency && last.latency[key]));
    redraw(panel);
  }

  function redraw(panel) {
    const svg = (name) => panel.el.querySelector(`svg[data-chart="${name}"]`);
    drawChart(svg('rate'), panel.points,
      [{ key: 'rate', color: '#2f6fde', value: (p) => (p.gap ? null : p.rate) }],
      { format: fmtAxis });
    drawChart(svg('errors'), panel.points, panel.causes.map(([key, , color]) => ({
      key, color, value: (p) => (p.gap ? null : p.errors[key]) })), { format: fmtAxis });
    drawChart(svg('latency'), panel.points, LATENCY_SERIES.map(([key, , color]) => ({
      key, color, value: (p) => (p.gap || !p.latency ? null : p.latency[key]) })),
    { log: true, format: fmtSeconds });
  }

  // ---- Connection state ----
  function setConnected(connected) {
    if (state.connected === connected) return;
    state.connected = connected;
    const badge = $('connection');
    badge.textContent = connected ? 'live' : 'disconnected';
    badge.className = 'badge ' + (connected ? 'live' : 'down');
    document.body.classList.toggle('disconnected', !connected);
    for (const b of document.querySelectorAll('main button')) b.disabled = !connected;
    if (connected) return;
    // No stale numbers: everything that would describe the proxy now is blanked, the
    // charts get a gap, and the next answer starts a new baseline.
    state.clock = null;
    state.controlsKey = null;
    $('active-profile').textContent = '—';
    $('faults-state').textContent = '—';
    const t = Date.now() / 1000;
    for (const panel of state.panels.values()) {
      panel.sample = null;
      panel.points.push({ t, gap: true });
      for (const b of panel.el.querySelectorAll('[data-stat]')) b.textContent = '—';
      redraw(panel);
    }
  }

  function onStats(stats) {
    const t = Date.now() / 1000;
    const dt = state.clock == null ? 0 : stats.clock_seconds - state.clock;
    state.clock = stats.clock_seconds;
    state.tokenRequired = !!stats.token_required;
    state.faultsEnabled = !!stats.faults_enabled;
    $('active-profile').textContent = stats.active_profile;
    $('faults-state').textContent = stats.faults_enabled ? 'on' : 'off (kill switch)';
    for (const r of stats.routes || []) {
      // Requests no route takes get a panel once there are some.
      if (r.route === 'unmatched' && !r.requests && !state.panels.has('route:unmatched')) continue;
      showPanel(ensurePanel('route', r.route), routeSample(r), t, dt);
    }
    for (const p of stats.tcp_proxies || []) showPanel(ensurePanel('tcp', p.proxy), tcpSample(p), t, dt);
    const key = [stats.active_profile, stats.faults_enabled, stats.reloads].join('|');
    if (key !== state.controlsKey) {
      state.controlsKey = key;
      refreshControls().catch(() => { state.controlsKey = null; });
    }
  }

  async function poll() {
    try {
      const stats = await getJson('/api/v1/stats?buckets=1');
      setConnected(true);
      onStats(stats);
    } catch (error) {
      setConnected(false);
    }
    setTimeout(poll, POLL_MS);
  }

  // ---- Controls: profiles, kill switch, reloads ----
  function describe(value) {
    if (value == null || typeof value !== 'object') return String(value);
    return Object.entries(value).map(([k, v]) => k + ' ' + describe(v)).join(', ');
  }

  function renderProfiles(body) {
    const box = $('profiles');
    box.textContent = '';
    for (const profile of body.profiles) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = profile.name;
      b.dataset.profile = profile.name;
      b.className = profile.active ? 'active' : '';
      b.setAttribute('aria-pressed', profile.active ? 'true' : 'false');
      b.disabled = !state.connected;
      b.addEventListener('click', () => change('PUT', '/api/v1/profiles/active',
        { name: profile.name }, `profile '${profile.name}' is active`));
      box.appendChild(b);
    }
    const active = body.profiles.find((p) => p.active) || { name: body.active, rules: [] };
    const rows = active.rules.map((rule) => {
      const action = Object.keys(rule).find((k) => !['name', 'probability', 'match'].includes(k));
      return '<tr><td>' + escapeHtml(rule.name) + '</td><td class="num">' +
        escapeHtml(rule.probability) + '</td><td>' + escapeHtml(action + ': ' +
        describe(rule[action])) + '</td><td>' + escapeHtml(rule.match ? describe(rule.match) :
        'every request') + '</td></tr>';
    });
    $('rules').innerHTML = rows.length
      ? '<tr><th>rule</th><th>probability</th><th>action</th><th>match</th></tr>' + rows.join('')
      : `<tr><td class="dim">profile '${escapeHtml(active.name)}' injects nothing</td></tr>`;
    state.faultsEnabled = !!body.faults_enabled;
    const kill = $('kill-switch');
    kill.textContent = body.faults_enabled ? 'Disable all faults' : 'Enable faults again';
    kill.className = body.faults_enabled ? '' : 'off';
    $('kill-text').textContent = body.faults_enabled
      ? `Faults are injected by profile '${body.active}'.`
      : 'Kill switch on: nothing is injected, proxying goes on.';
  }

  function renderReloads(body) {
    const rows = body.recent.slice(0, 8).map((r) => {
      const detail = r.result === 'failure' ? r.errors.join('; ') : r.warnings.join('; ');
      return '<tr><td>' + escapeHtml(new Date(r.at).toLocaleTimeString()) + '</td><td>' +
        escapeHtml(r.trigger) + `</td><td class="${r.result === 'failure' ? 'failure' : 'success'}">` +
        escapeHtml(r.result) + '</td><td>' + escapeHtml(detail) + '</td></tr>';
    });
    $('reloads').innerHTML = rows.length ? rows.join('')
      : '<tr><td class="dim">no reload since the start</td></tr>';
  }

  async function refreshControls() {
    const [profiles, reloads] = await Promise.all([
      getJson('/api/v1/profiles'), getJson('/api/v1/reloads')]);
    renderProfiles(profiles);
    renderReloads(reloads);
  }

  function askToken() {
    const dialog = $('token-dialog');
    const input = $('token-input');
    input.value = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => {
        resolve(dialog.returnValue === 'ok' && input.value ? input.value : null);
      }, { once: true });
      dialog.showModal();
      input.focus();
    });
  }

  // Every change goes through here: the token is asked for first when the proxy has one,
  // and a refusal is shown as such.
  async function change(method, path, body, done) {
    if (state.tokenRequired && !state.token) {
      const token = await askToken();
      if (token == null) { say('not changed: the admin token is needed', 'bad'); return; }
      state.token = token;
    }
    const headers = { 'content-type': 'application/json' };
    if (state.token) headers.authorization = 'Bearer ' + state.token;
    let response, answer = {};
    try {
      response = await fetch(path, { method, headers, cache: 'no-store',
        body: body ? JSON.stringify(body) : undefined });
      answer = await response.json().catch(() => ({}));
    } catch (error) {
      say('not changed: faultline did not answer', 'bad');
      return;
    }
    if (response.status === 401) {
      state.token = '';
      state.tokenRequired = true;
      sessionStorage.removeItem(TOKEN_KEY);
      say('refused (401): ' + (answer.error || 'the admin token is needed'), 'bad');
    } else if (!response.ok) {
      say(`refused (${response.status}): ` + (answer.error || answer.message ||
        (answer.errors || []).join('; ')), 'bad');
    } else {
      if (state.token) sessionStorage.setItem(TOKEN_KEY, state.token);
      say(done, 'good');
    }
    state.controlsKey = null;
    await refreshControls().catch(() => {});
  }

  $('kill-switch').addEventListener('click', () => {
    const enable = !state.faultsEnabled;
    change('POST', enable ? '/api/v1/faults/enable' : '/api/v1/faults/disable', null,
      enable ? 'faults enabled' : 'kill switch on: faults disabled');
  });
  $('reload').addEventListener('click', () =>
    change('POST', '/api/v1/reload', null, 'config reloaded'));
  poll();
})();
