// The behaviours toxiproxy-node-client relies on, exercised through the client library itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ICreateToxicBody, Toxic } from 'toxiproxy-node-client';
import { fixture } from './testing/fixture';
import { connectOutcome, portOf, startUpstream, TestClient } from './testing/net';

/** The client's types make every toxic field required; the server fills in what is left out. */
const toxicBody = <T>(body: Partial<ICreateToxicBody<T>>): ICreateToxicBody<T> => body as ICreateToxicBody<T>;

const rejectsWith = (promise: Promise<unknown>, status: number) =>
  assert.rejects(promise, (error: Error) => error.message === `Request failed with status code ${status}`);

test('createProxy, get, getAll, update, remove', async (t) => {
  const { client, upstream } = await fixture(t);
  const proxy = await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address });
  assert.equal(proxy.name, 'svc');
  assert.equal(proxy.enabled, true);
  assert.equal(proxy.upstream, upstream.address);
  assert.match(proxy.listen, /^127\.0\.0\.1:[1-9]\d*$/);

  const fetched = await client.get('svc');
  assert.deepEqual(fetched.toJson(), proxy.toJson());
  const all = await client.getAll();
  assert.deepEqual(Object.keys(all), ['svc']);
  assert.equal(all['svc']?.listen, proxy.listen);

  const disabled = await proxy.update({ ...proxy.toJson(), enabled: false });
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.listen, proxy.listen);
  assert.equal(await connectOutcome(portOf(proxy.listen)), 'ECONNREFUSED');
  const enabled = await disabled.update({ ...disabled.toJson(), enabled: true });
  assert.equal(enabled.enabled, true);
  assert.equal(await connectOutcome(portOf(proxy.listen)), 'connected');

  await proxy.remove();
  assert.deepEqual(await client.getAll(), {});
  await rejectsWith(client.get('svc'), 404);
  await rejectsWith(proxy.remove(), 404);
  await rejectsWith(proxy.update({ ...proxy.toJson(), enabled: false }), 404);
});

test('createProxy rejects a duplicate (409) and a missing upstream (400)', async (t) => {
  const { client, upstream } = await fixture(t);
  await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address });
  await rejectsWith(client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address }), 409);
  await rejectsWith(client.createProxy({ name: 'other', listen: '127.0.0.1:0', upstream: '' }), 400);
});

test('populate creates, keeps identical proxies with their toxics, and replaces changed ones', async (t) => {
  const { client, upstream } = await fixture(t);
  const created = await client.populate([
    { name: 'one', listen: '127.0.0.1:0', upstream: upstream.address },
    { name: 'two', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false },
  ]);
  assert.deepEqual(Object.keys(created).sort(), ['one', 'two']);
  assert.equal(created['two']?.enabled, false);
  const one = created['one'];
  assert.ok(one);
  await one.addToxic(toxicBody({ type: 'latency', attributes: { latency: 10, jitter: 0 } }));

  const again = await client.populate([{ name: 'one', listen: one.listen, upstream: upstream.address }]);
  assert.equal(again['one']?.listen, one.listen);
  assert.equal((await one.getToxic('latency_downstream')).name, 'latency_downstream');

  const other = await startUpstream(() => {});
  t.after(() => other.close());
  const replaced = await client.populate([{ name: 'one', listen: one.listen, upstream: other.address }]);
  assert.equal(replaced['one']?.upstream, other.address);
  await rejectsWith(one.getToxic('latency_downstream'), 404);
  await rejectsWith(client.populate([{ name: '', listen: '127.0.0.1:0', upstream: upstream.address }]), 400);
});

test('reset re-enables proxies and drops toxics; getVersion answers', async (t) => {
  const { client, upstream } = await fixture(t);
  const proxy = await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address });
  await proxy.addToxic(toxicBody({ type: 'timeout', attributes: { timeout: 0 } }));
  await proxy.update({ ...proxy.toJson(), enabled: false });
  await client.reset();
  const after = await client.get('svc');
  assert.equal(after.enabled, true);
  assert.equal(after.listen, proxy.listen);
  await rejectsWith(proxy.getToxic('timeout_downstream'), 404);
  const echo = await TestClient.connect(portOf(after.listen));
  await echo.roundTrip('alive');
  echo.destroy();
  assert.equal(await client.getVersion(), '{"version": "2.12.0"}\n');
});

test('addToxic, getToxic, toxic.update, toxic.remove, with default names and 404/409', async (t) => {
  const { client, upstream } = await fixture(t);
  const proxy = await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address });
  const latency = await proxy.addToxic(toxicBody({ type: 'latency', attributes: { latency: 100, jitter: 10 } }));
  assert.deepEqual(latency.toJson(), {
    attributes: { latency: 100, jitter: 10 },
    name: 'latency_downstream',
    stream: 'downstream',
    toxicity: 1,
    type: 'latency',
  });
  const up = await proxy.addToxic(toxicBody({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 5 } }));
  assert.equal(up.name, 'limit_data_upstream');
  const named = await proxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 0.25, attributes: { delay: 50 } });
  assert.deepEqual(named.toJson(), { attributes: { delay: 50 }, name: 'slow', stream: 'downstream', toxicity: 0.25, type: 'slow_close' });
  await rejectsWith(proxy.addToxic(toxicBody({ type: 'latency' })), 409);
  await rejectsWith(proxy.addToxic(toxicBody({ name: 'slow', type: 'latency', stream: 'upstream' })), 409);
  await rejectsWith(proxy.addToxic(toxicBody({ type: 'down' as 'latency' })), 400);

  assert.deepEqual((await proxy.getToxic('latency_downstream')).toJson(), latency.toJson());
  // The client sends the whole toxic back; only attributes and toxicity may change.
  const updated = await latency.update({ ...latency.toJson(), attributes: { latency: 200, jitter: 10 } });
  assert.deepEqual(updated.attributes, { latency: 200, jitter: 10 });
  const toxicity = await updated.update({ ...updated.toJson(), toxicity: 0.5 });
  assert.equal(toxicity.toxicity, 0.5);
  assert.deepEqual(toxicity.attributes, { latency: 200, jitter: 10 });

  await latency.remove();
  await rejectsWith(proxy.getToxic('latency_downstream'), 404);
  await rejectsWith(latency.remove(), 404);
  await rejectsWith(latency.update(latency.toJson()), 404);
  await proxy.remove();
  await rejectsWith(proxy.addToxic(toxicBody({ type: 'noop' as 'latency' })), 404);
  await rejectsWith(proxy.getToxic('slow'), 404);
});

test('every toxic type echoes all of its attributes', async (t) => {
  const { client, upstream } = await fixture(t);
  const proxy = await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: upstream.address });
  const cases: Array<[string, Record<string, number>, Record<string, number>]> = [
    ['latency', { latency: 250, jitter: 25 }, { latency: 0, jitter: 0 }],
    ['bandwidth', { rate: 64 }, { rate: 0 }],
    ['slow_close', { delay: 300 }, { delay: 0 }],
    ['timeout', { timeout: 1000 }, { timeout: 0 }],
    ['reset_peer', { timeout: 20 }, { timeout: 0 }],
    ['slicer', { average_size: 64, size_variation: 16, delay: 500 }, { average_size: 0, size_variation: 0, delay: 0 }],
    ['limit_data', { bytes: 4096 }, { bytes: 0 }],
    ['noop', {}, {}],
  ];
  for (const [type, attributes, zeros] of cases) {
    const set: Toxic<unknown> = await proxy.addToxic(toxicBody({ name: `${type}-set`, type: type as 'latency', attributes }));
    assert.deepEqual(set.attributes, attributes, type);
    assert.deepEqual((await proxy.getToxic(`${type}-set`)).attributes, attributes, type);
    const unset: Toxic<unknown> = await proxy.addToxic(toxicBody({ type: type as 'latency', stream: 'upstream' }));
    assert.equal(unset.name, `${type}_upstream`);
    assert.deepEqual(unset.attributes, zeros, type);
    assert.equal(unset.toxicity, 1);
  }
});
