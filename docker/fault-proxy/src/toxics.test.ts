// Each data-shaping toxic's effect on real TCP traffic through the proxy. Timing bounds are loose on purpose:
// they must hold on a busy 2-core machine (a 200 ms latency is asserted as ≥ 180 ms and < 2 s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, proxied, toxic } from './testing/fixture';
import { delay, echo, portOf, sendOnConnect, startUpstream, TestClient } from './testing/net';

test('noop passes traffic through unchanged, including 4 MiB each way', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'noop' as 'latency' }));
  await proxy.addToxic(toxic({ type: 'noop' as 'latency', stream: 'upstream' }));
  const c = await connect();
  const payload = Buffer.alloc(4 << 20, 'abcdefghij');
  c.socket.write(payload);
  await c.waitForBytes(payload.length, 20_000);
  assert.ok(Buffer.concat(c.chunks.map((x) => x.data)).equals(payload));
  assert.ok((await c.roundTrip('small')) < 1000);
});

test('latency delays the downstream and the upstream direction', async (t) => {
  const { proxy, connect } = await proxied(t);
  const down = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 200, jitter: 0 } }));
  const c1 = await connect();
  const rtt1 = await c1.roundTrip();
  assert.ok(rtt1 >= 180 && rtt1 < 2000, `downstream ${rtt1} ms`);
  await down.remove();
  await proxy.addToxic(toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 200, jitter: 0 } }));
  const c2 = await connect();
  const rtt2 = await c2.roundTrip();
  assert.ok(rtt2 >= 180 && rtt2 < 2000, `upstream ${rtt2} ms`);
});

test('latency jitter spreads delays within latency ± jitter', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 150, jitter: 100 } }));
  const c = await connect();
  const samples: number[] = [];
  for (let i = 0; i < 8; i++) samples.push(await c.roundTrip(`sample ${i}`));
  for (const rtt of samples) assert.ok(rtt >= 40 && rtt < 2000, `rtt ${rtt} ms`);
  assert.ok(Math.max(...samples) - Math.min(...samples) >= 20, `no spread: ${samples.join(', ')}`);
});

test('bandwidth limits the rate and still streams (first bytes long before the last)', async (t) => {
  const size = 100_000;
  const { proxy, connect } = await proxied(t, await startUpstream(sendOnConnect(Buffer.alloc(size, 7), false)));
  await proxy.addToxic(toxic({ type: 'bandwidth', attributes: { rate: 100 } })); // 100 KB/s → ~1 s
  const c = await connect();
  await delay(300);
  const early = c.bytes;
  assert.ok(early > 0 && early < 70_000, `after 300 ms: ${early} bytes`);
  const done = (await c.waitForBytes(size, 10_000)) - c.openedAt;
  assert.ok(done >= 800 && done < 5000, `100 KB took ${done} ms`);
});

test('bandwidth on the upstream direction limits what the server receives', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 50 } })); // 25 KB → ~0.5 s
  const c = await connect();
  const rtt = await c.roundTrip('x'.repeat(25_000));
  assert.ok(rtt >= 400 && rtt < 5000, `25 KB echoed in ${rtt} ms`);
});

test('slicer splits data into small, delayed writes', async (t) => {
  const { proxy, connect } = await proxied(t, await startUpstream(sendOnConnect('0123456789'.repeat(10), false)));
  await proxy.addToxic(toxic({ type: 'slicer', attributes: { average_size: 10, size_variation: 0, delay: 20_000 } }));
  const c = await connect();
  await c.waitForBytes(100);
  assert.equal(c.received(), '0123456789'.repeat(10));
  const sizes = c.chunks.map((x) => x.data.length);
  assert.ok(sizes.length >= 4, `chunks: ${sizes.join(', ')}`);
  assert.ok(Math.max(...sizes) <= 50, `chunks: ${sizes.join(', ')}`);
  const spread = (c.chunks.at(-1)?.at ?? 0) - (c.chunks[0]?.at ?? 0);
  assert.ok(spread >= 120, `10 slices 20 ms apart arrived within ${spread} ms`);
});

test('limit_data closes the connection after N bytes in its direction', async (t) => {
  const { proxy, connect } = await proxied(t, await startUpstream(sendOnConnect('0123456789'.repeat(10), false)));
  await proxy.addToxic(toxic({ type: 'limit_data', attributes: { bytes: 10 } }));
  const c = await connect();
  const closed = await c.closedWithin(3000);
  assert.ok(closed, 'still open');
  assert.equal(c.received(), '0123456789');
});

test('limit_data upstream lets the server see only N bytes', async (t) => {
  let seen = '';
  const { proxy, connect } = await proxied(t, await startUpstream((socket) => socket.on('data', (d: Buffer) => (seen += d.toString()))));
  await proxy.addToxic(toxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 5 } }));
  const c = await connect();
  c.socket.write('hello world');
  assert.ok(await c.closedWithin(3000), 'still open');
  assert.equal(seen, 'hello');
});

test('toxicity 0 never applies; updating it to 1 applies to the live connection', async (t) => {
  const { proxy, connect } = await proxied(t);
  const latency = await proxy.addToxic(toxic({ type: 'latency', toxicity: 0, attributes: { latency: 500, jitter: 0 } }));
  const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connect()));
  for (const c of clients) {
    const rtt = await c.roundTrip();
    assert.ok(rtt < 400, `unaffected connection took ${rtt} ms`);
  }
  await latency.update({ ...latency.toJson(), toxicity: 1 });
  const rtt = await clients[0]!.roundTrip();
  assert.ok(rtt >= 450 && rtt < 3000, `after toxicity 1: ${rtt} ms`);
});

test('toxics apply to live connections when added, updated and removed', async (t) => {
  const { proxy, connect } = await proxied(t);
  const c = await connect();
  assert.ok((await c.roundTrip()) < 250);
  const latency = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 300, jitter: 0 } }));
  const added = await c.roundTrip();
  assert.ok(added >= 280 && added < 2500, `added: ${added} ms`);
  await latency.update({ ...latency.toJson(), attributes: { latency: 600, jitter: 0 } });
  const updated = await c.roundTrip();
  assert.ok(updated >= 580 && updated < 3000, `updated: ${updated} ms`);
  await latency.remove();
  const removed = await c.roundTrip();
  assert.ok(removed < 250, `removed: ${removed} ms`);
});

test('removing a toxic releases what it held at once and in order', async (t) => {
  const { proxy, connect } = await proxied(t);
  const latency = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 5000, jitter: 0 } }));
  const c = await connect();
  for (const part of ['a', 'b', 'c']) {
    c.socket.write(part);
    await delay(20);
  }
  await delay(100);
  assert.equal(c.bytes, 0);
  const removedAt = performance.now();
  await latency.remove();
  const arrived = (await c.waitForBytes(3, 3000)) - removedAt;
  assert.equal(c.received(), 'abc');
  assert.ok(arrived < 1000, `released after ${arrived} ms`);
});

test('echo upstream is unaffected by toxics on another proxy', async (t) => {
  const { client, upstream } = await fixture(t, await startUpstream(echo));
  const slow = await client.createProxy({ name: 'slow', listen: '127.0.0.1:0', upstream: upstream.address });
  const fast = await client.createProxy({ name: 'fast', listen: '127.0.0.1:0', upstream: upstream.address });
  await slow.addToxic(toxic({ type: 'latency', attributes: { latency: 500, jitter: 0 } }));
  const c = await TestClient.connect(portOf(fast.listen));
  t.after(() => c.destroy());
  assert.ok((await c.roundTrip()) < 400);
});
