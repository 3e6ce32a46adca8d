// A whole Toxiproxy session through the npm package toxiproxy-node-client, unchanged, against
// the API at plan.api (faultline toxiproxy in tests/integration/test_toxiproxy_client.py):
// only the library's public API talks to the server, and what each call returns is asserted
// as the library returns it. Plain TCP (tcp_probe.mjs) checks that the toxics act.
//
// Usage: node client_session.mjs '{"api":"http://127.0.0.1:8474","upstream":"127.0.0.1:7000","latency_ms":150}'
// Every step writes a JSON line {"step": name, ...what it saw} on stdout; the first failing
// step writes {"step":"error","failed":name,"message":...} and the script exits 1.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';

import { EchoConnection, connectOutcome, roundTrip } from './tcp_probe.mjs';

const tools = process.env.FAULTLINE_TOXIPROXY_CLIENT_TOOLS;
if (!tools) throw new Error('FAULTLINE_TOXIPROXY_CLIENT_TOOLS is not set (see tests/integration/test_toxiproxy_client.py)');
const library = createRequire(path.join(tools, 'package.json'))('toxiproxy-node-client');
const { Toxiproxy, Proxy, Toxic, ToxiproxyError } = library;

const plan = JSON.parse(process.argv[2]);
const toxiproxy = new Toxiproxy(plan.api);
const PAYLOAD = Buffer.from('ping through faultline');
const LISTEN = /^127\.0\.0\.1:[1-9]\d*$/;

async function step(name, body) {
  try {
    const seen = await body();
    process.stdout.write(JSON.stringify({ step: name, ...seen }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ step: 'error', failed: name, message: String(error?.stack ?? error) }) + '\n');
    process.exit(1);
  }
}

// The error a library call fails with; the call must fail.
async function failure(call) {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof ToxiproxyError, `not a ToxiproxyError: ${error}`);
    return error.message;
  }
  throw new Error('the call succeeded');
}

function proxyFields(proxy) {
  assert.ok(proxy instanceof Proxy);
  return { name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled };
}

function toxicFields(toxic) {
  assert.ok(toxic instanceof Toxic);
  return toxic.toJson();
}

// The library has no call listing a proxy's toxics; its own HTTP client (public: getApi()) does.
async function toxicNames(proxy) {
  const answer = await toxiproxy.getApi().get(`${proxy.getPath()}/toxics`);
  assert.ok(Array.isArray(answer.data), `toxics: ${JSON.stringify(answer.data)}`);
  return answer.data.map((toxic) => toxic.name);
}

let proxy;
let latency;
let limit;
let held;

await step('version', async () => ({ text: await toxiproxy.getVersion() }));

await step('list_empty', async () => {
  const all = await toxiproxy.getAll();
  assert.deepEqual(Object.keys(all), []);
  return { names: Object.keys(all) };
});

await step('create', async () => {
  proxy = await toxiproxy.createProxy({ name: 'echo', listen: 'localhost:0', upstream: plan.upstream });
  const fields = proxyFields(proxy);
  assert.match(fields.listen, LISTEN);
  assert.deepEqual(fields, { name: 'echo', listen: fields.listen, upstream: plan.upstream, enabled: true });
  return fields;
});

await step('plain_round_trip', async () => ({ ms: await roundTrip(proxy.listen, PAYLOAD) }));

await step('get', async () => {
  const fields = proxyFields(await toxiproxy.get('echo'));
  assert.deepEqual(fields, proxyFields(proxy));
  return fields;
});

await step('list', async () => {
  const all = await toxiproxy.getAll();
  assert.deepEqual(Object.keys(all), ['echo']);
  assert.deepEqual(proxyFields(all.echo), proxyFields(proxy));
  return { names: Object.keys(all) };
});

await step('errors', async () => {
  const duplicate = await failure(() => toxiproxy.createProxy({ name: 'echo', listen: 'localhost:0', upstream: plan.upstream }));
  const missing = await failure(() => toxiproxy.get('missing'));
  assert.equal(duplicate, 'Request failed with status code 409');
  assert.equal(missing, 'Request failed with status code 404');
  return { duplicate, missing };
});

await step('add_latency', async () => {
  held = await EchoConnection.open(proxy.listen); // opened before the toxic exists
  await held.roundTrip(PAYLOAD);
  latency = await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1,
    attributes: { latency: plan.latency_ms, jitter: 0 } });
  const fields = toxicFields(latency);
  assert.deepEqual(fields, { attributes: { latency: plan.latency_ms, jitter: 0 }, name: 'slow',
    stream: 'downstream', toxicity: 1, type: 'latency' });
  return fields;
});

await step('latency_round_trip', async () => {
  const open_ms = await held.roundTrip(PAYLOAD);
  held.close();
  const fresh_ms = await roundTrip(proxy.listen, PAYLOAD);
  return { open_ms, fresh_ms };
});

await step('get_toxic', async () => {
  const fields = toxicFields(await proxy.getToxic('slow'));
  assert.deepEqual(fields, toxicFields(latency));
  return fields;
});

// As the library's README adds one: type and attributes only, the server's defaults for the rest.
await step('add_limit_data', async () => {
  limit = await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 64 } });
  const fields = toxicFields(limit);
  assert.deepEqual(fields, { attributes: { bytes: 64 }, name: 'limit_data_downstream',
    stream: 'downstream', toxicity: 1, type: 'limit_data' });
  return fields;
});

await step('list_toxics', async () => {
  const names = await toxicNames(proxy);
  assert.deepEqual(names, ['slow', 'limit_data_downstream']);
  return { names };
});

await step('limit_data_closes', async () => {
  const connection = await EchoConnection.open(proxy.listen);
  const seen = await connection.readToClose(Buffer.alloc(200, 'x'));
  connection.close();
  assert.equal(seen.bytes, 64);
  return seen;
});

await step('update_limit_data', async () => {
  limit = await limit.update({ ...limit.toJson(), attributes: { bytes: 32 } });
  const fields = toxicFields(limit);
  assert.deepEqual(fields.attributes, { bytes: 32 });
  assert.equal(fields.name, 'limit_data_downstream');
  const connection = await EchoConnection.open(proxy.listen);
  const seen = await connection.readToClose(Buffer.alloc(200, 'x'));
  connection.close();
  assert.equal(seen.bytes, 32);
  return { ...fields, seen };
});

await step('remove_limit_data', async () => {
  assert.equal(await limit.remove(), undefined);
  const names = await toxicNames(proxy);
  assert.deepEqual(names, ['slow']);
  const missing = await failure(() => proxy.getToxic('limit_data_downstream'));
  assert.equal(missing, 'Request failed with status code 404');
  return { names, missing };
});

await step('reset_peer', async () => {
  const toxic = await proxy.addToxic({ name: 'cut', type: 'reset_peer', stream: 'upstream', toxicity: 1,
    attributes: { timeout: plan.reset_after_ms } });
  const fields = toxicFields(toxic);
  assert.deepEqual(fields, { attributes: { timeout: plan.reset_after_ms }, name: 'cut', stream: 'upstream',
    toxicity: 1, type: 'reset_peer' });
  // Toxiproxy's reset_peer starts its timer on the first bytes the client sends.
  const connection = await EchoConnection.open(proxy.listen);
  const seen = await connection.readToClose(PAYLOAD);
  connection.close();
  assert.equal(seen.ended, 'reset');
  await toxic.remove();
  assert.deepEqual(await toxicNames(proxy), ['slow']);
  return { ...fields, seen };
});

await step('disable', async () => {
  held = await EchoConnection.open(proxy.listen);
  await held.roundTrip(PAYLOAD);
  const updated = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  const fields = proxyFields(updated);
  assert.deepEqual(fields, { ...proxyFields(proxy), enabled: false });
  assert.equal((await toxiproxy.get('echo')).enabled, false);
  const held_connection = (await held.readToClose(null)).ended;
  held.close();
  const connect = await connectOutcome(proxy.listen);
  assert.equal(connect, 'refused');
  return { ...fields, connect, held_connection };
});

await step('enable', async () => {
  const fields = proxyFields(await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream }));
  assert.deepEqual(fields, proxyFields(proxy));
  // Disabling keeps a proxy's toxics: the latency is still there.
  const names = await toxicNames(proxy);
  assert.deepEqual(names, ['slow']);
  return { ...fields, names, ms: await roundTrip(proxy.listen, PAYLOAD) };
});

await step('reset', async () => {
  await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(await toxiproxy.reset(), undefined);
  const fields = proxyFields(await toxiproxy.get('echo'));
  assert.deepEqual(fields, proxyFields(proxy));
  const names = await toxicNames(proxy);
  assert.deepEqual(names, []);
  return { ...fields, names, ms: await roundTrip(proxy.listen, PAYLOAD) };
});

await step('populate', async () => {
  await proxy.addToxic({ name: 'kept', type: 'latency', attributes: { latency: 1, jitter: 0 } });
  const proxies = await toxiproxy.populate([
    { name: 'echo', listen: proxy.listen, upstream: plan.upstream },
    { name: 'second', listen: 'localhost:0', upstream: plan.upstream },
  ]);
  assert.deepEqual(Object.keys(proxies).sort(), ['echo', 'second']);
  // The unchanged proxy is kept as it was, toxics included; the new one is started.
  assert.deepEqual(proxyFields(proxies.echo), proxyFields(proxy));
  assert.deepEqual(await toxicNames(proxy), ['kept']);
  const second = proxyFields(proxies.second);
  assert.match(second.listen, LISTEN);
  assert.notEqual(second.listen, proxy.listen);
  assert.deepEqual(second, { name: 'second', listen: second.listen, upstream: plan.upstream, enabled: true });
  const all = await toxiproxy.getAll();
  assert.deepEqual(Object.keys(all).sort(), ['echo', 'second']);
  return { names: Object.keys(all).sort(), second, ms: await roundTrip(second.listen, PAYLOAD) };
});

await step('delete', async () => {
  assert.equal(await proxy.remove(), undefined);
  const all = await toxiproxy.getAll();
  assert.deepEqual(Object.keys(all), ['second']);
  const missing = await failure(() => toxiproxy.get('echo'));
  assert.equal(missing, 'Request failed with status code 404');
  const connect = await connectOutcome(proxy.listen);
  assert.equal(connect, 'refused');
  await all.second.remove();
  const left = Object.keys(await toxiproxy.getAll());
  assert.deepEqual(left, []);
  return { missing, connect, left };
});

await step('done', async () => ({}));
