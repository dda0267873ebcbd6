import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosControl } from './control-service';

test('the fault log exports each fault as 1 while active and 0 after its end or its bound', async () => {
  const control = await ChaosControl.start({ port: 0, token: 't' });
  try {
    const now = Date.now();
    const a = control.register('partition', 'east|west', 60_000, now);
    control.register('latency', 'region east', 1_000, now);
    assert.match(control.metrics(now + 10), /chaos_fault_active\{fault="partition",target="east\|west"\} 1/);
    assert.match(control.metrics(now + 2_000), /chaos_fault_active\{fault="latency",target="region east"\} 0/, 'past its bound even if never ended');
    control.end(a.id, now + 20);
    assert.match(control.metrics(now + 30), /fault="partition",target="east\|west"\} 0/);
    assert.deepEqual(
      control.list(true, now + 30).map((f) => f.fault),
      ['latency'],
    );
  } finally {
    await control.stop();
  }
});

test('without a fault proxy to keep, the service is ready at once', async () => {
  const control = await ChaosControl.start({ port: 0, token: 't' });
  try {
    assert.deepEqual(await (await fetch(`${control.bootstrap.url}/healthz`)).json(), { ok: true, routesInPlace: true });
    assert.match(control.metrics(), /chaos_proxy_routes_ready 1/);
  } finally {
    await control.stop();
  }
});

test('the API refuses malformed faults and validity, naming the fields', async () => {
  const control = await ChaosControl.start({ port: 0, token: 't' });
  const url = control.bootstrap.url;
  try {
    const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const bad = await post('/faults', { fault: 'kill' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /fault: string, target: string, boundMs/);
    const ok = await post('/faults', { fault: 'kill', target: 'east-1', boundMs: 5000 });
    assert.equal(ok.status, 201);
    const { id } = (await ok.json()) as { id: number };
    assert.equal((await post(`/faults/${id}/end`, {})).status, 200);
    assert.equal((await post('/faults/99/end', {})).status, 404);
    const dates = await post('/ca/validity', { node: 'east-1', notBefore: 'yesterday', notAfter: 'x' });
    assert.equal(dates.status, 400);
    assert.equal((await post('/ca/validity', { node: 'east-1' })).status, 200);
    const missing = await fetch(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /routes: GET \/healthz/);
    // The join route is the suite's bootstrap server: a wrong token is refused.
    const join = await post('/omnirelay/bootstrap/join', { token: 'wrong', nodeId: 'n1', publicKeyPem: 'x' });
    assert.equal(join.status, 401);
  } finally {
    await control.stop();
  }
});
