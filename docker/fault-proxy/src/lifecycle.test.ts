// How connections end through the proxy: slow_close, timeout, reset_peer, disabling, moving and deleting a
// proxy, and ordinary closes from either side. Timing bounds are loose for a busy 2-core machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, proxied, toxic } from './testing/fixture';
import { connectOutcome, delay, freePort, portOf, sendOnConnect, startUpstream, TestClient, within } from './testing/net';

test('slow_close delivers the data at once but holds the close back', async (t) => {
  const { proxy, connect } = await proxied(t, await startUpstream(sendOnConnect('bye', true)));
  await proxy.addToxic(toxic({ type: 'slow_close', attributes: { delay: 500 } }));
  const c = await connect();
  const data = (await c.waitForBytes(3)) - c.openedAt;
  assert.equal(c.received(), 'bye');
  assert.ok(data < 400, `data after ${data} ms`);
  const closed = (await c.closed).at - c.openedAt;
  assert.ok(closed >= 450 && closed < 3000, `closed after ${closed} ms`);
});

test('without toxics a server close reaches the client promptly', async (t) => {
  const { connect } = await proxied(t, await startUpstream(sendOnConnect('bye', true)));
  const c = await connect();
  const closed = (await c.closed).at - c.openedAt;
  assert.equal(c.received(), 'bye');
  assert.ok(closed < 400, `closed after ${closed} ms`);
});

test('a client close ends the upstream connection', async (t) => {
  let serverSawClose: Promise<boolean> = Promise.resolve(false);
  const { connect } = await proxied(
    t,
    await startUpstream((s) => {
      serverSawClose = new Promise((resolve) => s.once('close', () => resolve(true)));
    }),
  );
  const c = await connect();
  await delay(50);
  c.socket.end();
  assert.equal(await within(serverSawClose, 3000), true, 'upstream still open');
});

test('timeout > 0 drops all data, then closes after that long without data', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'timeout', attributes: { timeout: 300 } }));
  const c = await connect();
  c.socket.write('anyone there?');
  const closed = (await c.closed).at - c.openedAt;
  assert.equal(c.bytes, 0);
  assert.ok(closed >= 280 && closed < 2000, `closed after ${closed} ms`);
});

test('timeout 0 holds the connection open with no data until the toxic is removed, which closes it', async (t) => {
  let seen = 0;
  const { proxy, connect } = await proxied(t, await startUpstream((s) => s.on('data', (d: Buffer) => (seen += d.length))));
  const hold = await proxy.addToxic(toxic({ type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } }));
  const c = await connect();
  c.socket.write('held');
  assert.equal(await c.closedWithin(600), undefined);
  assert.equal(seen, 0);
  await hold.remove();
  assert.ok(await c.closedWithin(2000), 'still open after the toxic was removed');
  assert.equal(seen, 0);
});

test('reset_peer resets the connection (ECONNRESET) after its timeout on the first data', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'reset_peer', attributes: { timeout: 100 } }));
  const c = await connect();
  await delay(150);
  assert.equal(await c.closedWithin(0), undefined, 'reset before any data');
  const sent = performance.now();
  c.socket.write('trigger');
  const closed = await c.closed;
  assert.equal(closed.error?.code, 'ECONNRESET');
  assert.equal(c.bytes, 0);
  assert.ok(closed.at - sent >= 80, `reset after ${closed.at - sent} ms`);
});

test('reset_peer on the upstream direction resets the client too', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } }));
  const c = await connect();
  c.socket.write('trigger');
  assert.equal((await c.closed).error?.code, 'ECONNRESET');
});

test('enabled:false drops live connections and refuses new ones; enabling serves again', async (t) => {
  const { proxy, connect } = await proxied(t);
  const live = await connect();
  await live.roundTrip();
  const down = await proxy.update({ ...proxy.toJson(), enabled: false });
  assert.ok(await live.closedWithin(2000), 'live connection survived enabled:false');
  assert.equal(await connectOutcome(portOf(proxy.listen)), 'ECONNREFUSED');
  await down.update({ ...down.toJson(), enabled: true });
  const again = await connect();
  assert.ok((await again.roundTrip()) < 500);
});

test('changing listen restarts the proxy on the new address and drops connections', async (t) => {
  const { proxy, connect } = await proxied(t);
  const live = await connect();
  await live.roundTrip();
  const port = await freePort();
  const moved = await proxy.update({ ...proxy.toJson(), listen: `127.0.0.1:${port}` });
  assert.equal(moved.listen, `127.0.0.1:${port}`);
  assert.ok(await live.closedWithin(2000), 'live connection survived the restart');
  assert.equal(await connectOutcome(portOf(proxy.listen)), 'ECONNREFUSED');
  const c = await TestClient.connect(port);
  t.after(() => c.destroy());
  await c.roundTrip('moved');
  assert.equal(c.received(), 'moved');
});

test('changing upstream drops connections and dials the new upstream', async (t) => {
  const { proxy, connect } = await proxied(t);
  const live = await connect();
  await live.roundTrip();
  const other = await startUpstream(sendOnConnect('other', false));
  t.after(() => other.close());
  await proxy.update({ ...proxy.toJson(), upstream: other.address });
  assert.ok(await live.closedWithin(2000), 'live connection survived the restart');
  const c = await connect();
  await c.waitForBytes(5);
  assert.equal(c.received(), 'other');
});

test('deleting a proxy drops its connections and frees its port', async (t) => {
  const { proxy, connect } = await proxied(t);
  const live = await connect();
  await live.roundTrip();
  await proxy.remove();
  assert.ok(await live.closedWithin(2000), 'live connection survived the delete');
  assert.equal(await connectOutcome(portOf(proxy.listen)), 'ECONNREFUSED');
});

test('an unreachable upstream closes the client without data', async (t) => {
  const { client } = await fixture(t);
  const proxy = await client.createProxy({ name: 'dead', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await freePort()}` });
  const c = await TestClient.connect(portOf(proxy.listen));
  assert.ok(await c.closedWithin(2000), 'client left open');
  assert.equal(c.bytes, 0);
});

test('reset removes a timeout toxic from live connections (closing them) and re-enables', async (t) => {
  const { proxy, connect } = await proxied(t);
  await proxy.addToxic(toxic({ type: 'timeout', attributes: { timeout: 0 } }));
  const held = await connect();
  held.socket.write('x');
  assert.equal(await held.closedWithin(300), undefined);
  await proxy.getToxiproxy().reset();
  assert.ok(await held.closedWithin(2000), 'held connection not closed by reset');
  const c = await connect();
  assert.ok((await c.roundTrip()) < 500);
});
