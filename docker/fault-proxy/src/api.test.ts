// Every route and status code of the HTTP API, with plain fetch (error bodies included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, fixture } from './testing/fixture';
import { connectOutcome, freePort, portOf, startUpstream, TestClient } from './testing/net';

interface ProxyBody {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Array<{ name: string; type: string; stream: string; toxicity: number; attributes: Record<string, number> }>;
}

const errorBody = (error: string, status: number): string => `${JSON.stringify({ error, status })}\n`;

test('every response carries a fresh X-Toxiproxy-Request-Id', async (t) => {
  const { url, upstream } = await fixture(t);
  const replies = [
    await call(url, 'GET', '/version'),
    await call(url, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address }),
    await call(url, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address }),
    await call(url, 'POST', '/proxies', '{'),
    await call(url, 'DELETE', '/proxies/a'),
    await call(url, 'GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0' }),
    await call(url, 'GET', '/nowhere'),
    await call(url, 'PUT', '/proxies'),
  ];
  assert.deepEqual(
    replies.map((r) => r.status),
    [200, 201, 409, 400, 204, 403, 404, 405],
  );
  const ids = replies.map((r) => r.headers.get('x-toxiproxy-request-id') ?? '');
  for (const id of ids) assert.match(id, /^[0-9a-v]{20}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('GET /version answers the Toxiproxy release it mimics', async (t) => {
  const { url } = await fixture(t);
  const reply = await call(url, 'GET', '/version');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get('content-type'), 'application/json;charset=utf-8');
  assert.equal(reply.text, '{"version": "2.12.0"}\n');
});

test('a browser User-Agent gets 403 on any route and changes nothing', async (t) => {
  const { url, upstream } = await fixture(t);
  const browser = { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' };
  const refused = await call(url, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address }, browser);
  assert.equal(refused.status, 403);
  assert.equal(refused.text, 'User agent not allowed\n');
  assert.equal((await call(url, 'GET', '/version', undefined, browser)).status, 403);
  assert.deepEqual((await call(url, 'GET', '/proxies', undefined, { 'User-Agent': 'curl/8.0 Mozilla/5.0' })).json(), {});
});

test('unknown paths are 404, known paths with another method 405', async (t) => {
  const { url } = await fixture(t);
  for (const [method, path] of [
    ['GET', '/'],
    ['GET', '/nowhere'],
    ['GET', '/proxies/'],
    ['GET', '/proxies/a/b'],
    ['GET', '/proxies/a/toxics/b/c'],
    ['POST', '/version/x'],
  ] as const) {
    const reply = await call(url, method, path);
    assert.equal(reply.status, 404, `${method} ${path}`);
    assert.equal(reply.text, '404 page not found\n');
  }
  for (const [method, path] of [
    ['DELETE', '/proxies'],
    ['PUT', '/proxies'],
    ['GET', '/reset'],
    ['GET', '/populate'],
    ['PUT', '/proxies/a'],
    ['PUT', '/proxies/a/toxics'],
    ['DELETE', '/proxies/a/toxics'],
    ['PUT', '/proxies/a/toxics/b'],
    ['POST', '/version'],
    ['HEAD', '/version'],
  ] as const) {
    const reply = await call(url, method, path);
    assert.equal(reply.status, 405, `${method} ${path}`);
    assert.equal(reply.text, '');
  }
});

test('GET /proxies is {} when empty, then an object keyed by proxy name', async (t) => {
  const { url, upstream } = await fixture(t);
  const empty = await call(url, 'GET', '/proxies');
  assert.equal(empty.status, 200);
  assert.equal(empty.headers.get('content-type'), 'application/json');
  assert.equal(empty.text, '{}');
  for (const name of ['beta', 'alpha']) await call(url, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: upstream.address });
  const all = (await call(url, 'GET', '/proxies')).json<Record<string, ProxyBody>>();
  assert.deepEqual(Object.keys(all), ['alpha', 'beta']);
  assert.deepEqual(Object.keys(all['alpha'] ?? {}), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
  assert.equal(all['beta']?.name, 'beta');
});

test('POST /proxies answers 201 with the address actually bound', async (t) => {
  const { url, upstream } = await fixture(t);
  const created = await call(url, 'POST', '/proxies', { name: 'loop', listen: '127.0.0.1:0', upstream: upstream.address });
  assert.equal(created.status, 201);
  const proxy = created.json<ProxyBody>();
  assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(portOf(proxy.listen), 0);
  assert.deepEqual({ ...proxy, listen: '' }, { name: 'loop', listen: '', upstream: upstream.address, enabled: true, toxics: [] });
  const client = await TestClient.connect(portOf(proxy.listen));
  await client.roundTrip('through the proxy');
  assert.equal(client.received(), 'through the proxy');
  client.destroy();

  const named = (await call(url, 'POST', '/proxies', { name: 'named', listen: 'localhost:0', upstream: upstream.address })).json<ProxyBody>();
  assert.match(named.listen, /^127\.0\.0\.1:\d+$/);
  const fixed = await freePort();
  const wildcard = await call(url, 'POST', '/proxies', { name: 'wild', listen: `0.0.0.0:${fixed}`, upstream: upstream.address });
  assert.equal(wildcard.json<ProxyBody>().listen, `0.0.0.0:${fixed}`);

  const disabled = await call(url, 'POST', '/proxies', { name: 'off', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false });
  assert.equal(disabled.status, 201);
  assert.deepEqual(
    { ...disabled.json<ProxyBody>(), toxics: undefined },
    { name: 'off', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false, toxics: undefined },
  );
});

test('POST /proxies errors: body, name before upstream, 409, bind failure not added', async (t) => {
  const { url, upstream } = await fixture(t);
  const empty = await call(url, 'POST', '/proxies');
  assert.equal(empty.status, 400);
  assert.equal(empty.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(empty.text, errorBody('bad request body: EOF', 400));
  const garbled = await call(url, 'POST', '/proxies', '{nope');
  assert.equal(garbled.status, 400);
  assert.match(garbled.json<{ error: string }>().error, /^bad request body: /);
  assert.equal((await call(url, 'POST', '/proxies', [])).status, 400);
  assert.equal((await call(url, 'POST', '/proxies', { name: 5, upstream: 'x:1' })).status, 400);
  assert.equal((await call(url, 'POST', '/proxies', {})).text, errorBody('missing required field: name', 400));
  assert.equal((await call(url, 'POST', '/proxies', { upstream: 'x:1' })).text, errorBody('missing required field: name', 400));
  assert.equal((await call(url, 'POST', '/proxies', { name: 'a' })).text, errorBody('missing required field: upstream', 400));

  assert.equal((await call(url, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address })).status, 201);
  const duplicate = await call(url, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.text, errorBody('proxy already exists', 409));

  const busy = await call(url, 'POST', '/proxies', { name: 'busy', listen: upstream.address, upstream: upstream.address });
  assert.equal(busy.status, 500);
  assert.equal(busy.json<{ error: string }>().error, `listen tcp ${upstream.address}: bind: address already in use`);
  assert.equal((await call(url, 'GET', '/proxies/busy')).status, 404);
  const malformed = await call(url, 'POST', '/proxies', { name: 'bad', listen: 'nonsense', upstream: upstream.address });
  assert.equal(malformed.status, 500);
  assert.equal(malformed.json<{ error: string }>().error, 'listen tcp nonsense: address nonsense: missing port in address');
});

test('GET, POST/PATCH and DELETE /proxies/{p}', async (t) => {
  const { url, upstream } = await fixture(t);
  const created = (await call(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address })).json<ProxyBody>();
  const shown = await call(url, 'GET', '/proxies/p');
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.json(), created);
  const missing = await call(url, 'GET', '/proxies/q');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, errorBody('proxy not found', 404));

  const disabled = await call(url, 'PATCH', '/proxies/p', { enabled: false });
  assert.equal(disabled.status, 200);
  assert.deepEqual(disabled.json(), { ...created, enabled: false });
  assert.equal(await connectOutcome(portOf(created.listen)), 'ECONNREFUSED');
  const enabled = await call(url, 'POST', '/proxies/p', { enabled: true });
  assert.deepEqual(enabled.json(), created);
  assert.equal(await connectOutcome(portOf(created.listen)), 'connected');

  const other = await startUpstream(() => {});
  t.after(() => other.close());
  const moved = (await call(url, 'PATCH', '/proxies/p', { upstream: other.address })).json<ProxyBody>();
  assert.equal(moved.upstream, other.address);
  assert.equal(moved.listen, created.listen);

  assert.equal((await call(url, 'PATCH', '/proxies/p', '{nope')).status, 400);
  assert.equal((await call(url, 'PATCH', '/proxies/p', { enabled: 'yes' })).status, 400);
  assert.equal((await call(url, 'PATCH', '/proxies/q', '{nope')).status, 404);
  assert.equal((await call(url, 'POST', '/proxies/q', { enabled: false })).status, 404);

  const deleted = await call(url, 'DELETE', '/proxies/p');
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, '');
  assert.equal(await connectOutcome(portOf(created.listen)), 'ECONNREFUSED');
  assert.equal((await call(url, 'DELETE', '/proxies/p')).text, errorBody('proxy not found', 404));
});

test('toxic routes: defaults, upstream-first listing, get, partial update, delete', async (t) => {
  const { url, upstream } = await fixture(t);
  await call(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
  assert.deepEqual((await call(url, 'GET', '/proxies/p/toxics')).json(), []);

  const latency = await call(url, 'POST', '/proxies/p/toxics', { type: 'latency' });
  assert.equal(latency.status, 200);
  assert.equal(latency.text, '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}');
  const bandwidth = await call(url, 'POST', '/proxies/p/toxics', { type: 'bandwidth', stream: 'upstream', toxicity: 0, attributes: { rate: 10, extra: 1 } });
  assert.deepEqual(bandwidth.json(), { attributes: { rate: 10 }, name: 'bandwidth_upstream', type: 'bandwidth', stream: 'upstream', toxicity: 0 });

  const listed = (await call(url, 'GET', '/proxies/p/toxics')).json<Array<{ name: string }>>();
  assert.deepEqual(
    listed.map((x) => x.name),
    ['bandwidth_upstream', 'latency_downstream'],
  );
  assert.deepEqual(
    (await call(url, 'GET', '/proxies/p')).json<ProxyBody>().toxics.map((x) => x.name),
    ['bandwidth_upstream', 'latency_downstream'],
  );

  assert.deepEqual((await call(url, 'GET', '/proxies/p/toxics/latency_downstream')).json(), latency.json());
  assert.equal((await call(url, 'GET', '/proxies/p/toxics/nope')).text, errorBody('toxic not found', 404));
  assert.equal((await call(url, 'GET', '/proxies/q/toxics/latency_downstream')).text, errorBody('proxy not found', 404));
  assert.equal((await call(url, 'GET', '/proxies/q/toxics')).text, errorBody('proxy not found', 404));

  const step1 = await call(url, 'POST', '/proxies/p/toxics/latency_downstream', { attributes: { latency: 100 } });
  assert.equal(step1.status, 200);
  const step2 = await call(url, 'PATCH', '/proxies/p/toxics/latency_downstream', {
    attributes: { jitter: 5 },
    name: 'renamed',
    type: 'timeout',
    stream: 'upstream',
  });
  assert.deepEqual(step2.json(), { attributes: { latency: 100, jitter: 5 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 });
  const step3 = await call(url, 'PATCH', '/proxies/p/toxics/latency_downstream', { toxicity: 0.5 });
  assert.deepEqual(step3.json(), { attributes: { latency: 100, jitter: 5 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 0.5 });
  assert.equal((await call(url, 'PATCH', '/proxies/p/toxics/latency_downstream', { attributes: { latency: 1.5 } })).status, 400);
  assert.equal((await call(url, 'PATCH', '/proxies/p/toxics/latency_downstream', '{nope')).status, 400);
  assert.equal((await call(url, 'PATCH', '/proxies/p/toxics/nope', '{nope')).text, errorBody('toxic not found', 404));
  assert.equal((await call(url, 'POST', '/proxies/q/toxics/latency_downstream', {})).text, errorBody('proxy not found', 404));

  const removed = await call(url, 'DELETE', '/proxies/p/toxics/latency_downstream');
  assert.equal(removed.status, 204);
  assert.equal(removed.text, '');
  assert.equal((await call(url, 'DELETE', '/proxies/p/toxics/latency_downstream')).text, errorBody('toxic not found', 404));
  assert.equal((await call(url, 'DELETE', '/proxies/q/toxics/x')).text, errorBody('proxy not found', 404));
});

test('toxic creation errors: 409 across streams, stream, type, body, attributes', async (t) => {
  const { url, upstream } = await fixture(t);
  await call(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
  const add = (body: unknown) => call(url, 'POST', '/proxies/p/toxics', body);
  assert.equal((await add({ name: 'x', type: 'latency' })).status, 200);
  const clash = await add({ name: 'x', type: 'bandwidth', stream: 'upstream' });
  assert.equal(clash.status, 409);
  assert.equal(clash.text, errorBody('toxic already exists', 409));
  assert.equal((await add({ type: 'noop' })).status, 200);
  assert.equal((await add({ type: 'noop' })).status, 409);

  const sideways = await add({ type: 'latency', stream: 'sideways' });
  assert.equal(sideways.text, errorBody('stream was invalid, can be either upstream or downstream', 400));
  assert.equal((await add({ type: 'latency', stream: '' })).status, 400);
  assert.equal((await add({ type: 'down' })).text, errorBody('invalid toxic type', 400));
  assert.equal((await add({})).text, errorBody('invalid toxic type', 400));
  assert.equal((await add('{nope')).status, 400);
  assert.equal((await add({ type: 'latency', name: 'y', attributes: { latency: 1.5 } })).status, 400);
  assert.equal((await add({ type: 'latency', name: 'y', attributes: { latency: '10' } })).status, 400);
  assert.equal((await add({ type: 'latency', name: 'y', attributes: '10' })).status, 400);
  assert.equal((await add({ type: 'latency', name: 'y', toxicity: '1' })).status, 400);
  assert.equal((await call(url, 'POST', '/proxies/q/toxics', { type: 'latency' })).text, errorBody('proxy not found', 404));

  const shouting = (await add({ type: 'latency', stream: 'UPSTREAM' })).json<{ name: string; stream: string }>();
  assert.deepEqual(shouting, { attributes: { latency: 0, jitter: 0 }, name: 'latency_UPSTREAM', type: 'latency', stream: 'UPSTREAM', toxicity: 1 });
  const names = (await call(url, 'GET', '/proxies/p/toxics')).json<Array<{ name: string }>>().map((x) => x.name);
  assert.deepEqual(names, ['latency_UPSTREAM', 'x', 'noop_downstream']);
});

test('POST /populate: 201, validation first, identical kept, changed replaced, stops at a runtime error', async (t) => {
  const { url, upstream } = await fixture(t);
  const first = await call(url, 'POST', '/populate', [
    { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address },
    { name: 'b', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false },
  ]);
  assert.equal(first.status, 201);
  const [a, b] = first.json<{ proxies: ProxyBody[] }>().proxies;
  assert.equal(a?.enabled, true);
  assert.match(a?.listen ?? '', /^127\.0\.0\.1:[1-9]\d*$/);
  assert.deepEqual(b, { name: 'b', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false, toxics: [] });
  await call(url, 'POST', '/proxies/a/toxics', { type: 'latency' });

  const invalid = await call(url, 'POST', '/populate', [{ name: 'c', listen: '127.0.0.1:0', upstream: upstream.address }, { upstream: upstream.address }]);
  assert.equal(invalid.text, errorBody('missing required field: name at proxy 2', 400));
  assert.equal((await call(url, 'POST', '/populate', [{ name: 'c' }])).text, errorBody('missing required field: upstream at proxy 1', 400));
  assert.equal((await call(url, 'GET', '/proxies/c')).status, 404);
  assert.equal((await call(url, 'POST', '/populate', { name: 'c' })).status, 400);
  assert.equal((await call(url, 'POST', '/populate', '[')).status, 400);

  const same = await call(url, 'POST', '/populate', [{ name: 'a', listen: a?.listen, upstream: upstream.address }]);
  assert.equal(same.status, 201);
  assert.deepEqual(
    same.json<{ proxies: ProxyBody[] }>().proxies[0]?.toxics.map((x) => x.name),
    ['latency_downstream'],
  );

  const other = await startUpstream(() => {});
  t.after(() => other.close());
  const changed = await call(url, 'POST', '/populate', [{ name: 'a', listen: a?.listen, upstream: other.address }]);
  assert.deepEqual(changed.json<{ proxies: ProxyBody[] }>().proxies, [{ name: 'a', listen: a?.listen, upstream: other.address, enabled: true, toxics: [] }]);

  const stops = await call(url, 'POST', '/populate', [
    { name: 'd', listen: '127.0.0.1:0', upstream: upstream.address },
    { name: 'e', listen: upstream.address, upstream: upstream.address },
    { name: 'f', listen: '127.0.0.1:0', upstream: upstream.address },
  ]);
  assert.equal(stops.status, 500);
  assert.match(stops.json<{ error: string }>().error, /address already in use/);
  const names = Object.keys((await call(url, 'GET', '/proxies')).json<object>());
  assert.deepEqual(names, ['a', 'b', 'd']);
  assert.deepEqual((await call(url, 'POST', '/populate', [])).json(), { proxies: [] });
});

test('POST /reset re-enables every proxy on its address and removes every toxic', async (t) => {
  const { url, upstream } = await fixture(t);
  const p = (await call(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address })).json<ProxyBody>();
  await call(url, 'POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 1000 } });
  await call(url, 'POST', '/proxies/p/toxics', { type: 'timeout', stream: 'upstream' });
  await call(url, 'PATCH', '/proxies/p', { enabled: false });
  const reset = await call(url, 'POST', '/reset');
  assert.equal(reset.status, 204);
  assert.equal(reset.text, '');
  assert.deepEqual((await call(url, 'GET', '/proxies/p')).json(), p);
  const client = await TestClient.connect(portOf(p.listen));
  assert.ok((await client.roundTrip()) < 500);
  client.destroy();
});
