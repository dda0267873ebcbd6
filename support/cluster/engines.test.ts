import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings } from '../settings';
import { engineOfWorker, forEachEngine, runEngines } from './engines';

test("a run's engines: the setting's, else DOCKER_HOST's one engine; worker i drives engine i mod n", () => {
  assert.deepEqual(runEngines(readSettings({}), {}), [{ address: 'unix:///var/run/docker.sock', host: '127.0.0.1' }]);
  const two = runEngines(readSettings({ OMNIRELAY_HYPERSCALE_ENGINES: 'unix:///a.sock,unix:///b.sock' }), {});
  assert.deepEqual(
    ['0', '1', '2', undefined].map((w) => engineOfWorker(two, w).address),
    ['unix:///a.sock', 'unix:///b.sock', 'unix:///a.sock', 'unix:///a.sock'],
  );
});

test('forEachEngine points the thread at each engine in turn, then back at the first', async () => {
  const saved = { docker: process.env.DOCKER_HOST, host: process.env.OMNIRELAY_HYPERSCALE_ENGINE_HOST };
  try {
    const seen = await forEachEngine(
      [
        { address: 'unix:///a.sock', host: '127.0.0.1' },
        { address: 'unix:///b.sock', host: '127.0.0.2' },
      ],
      async () => `${process.env.DOCKER_HOST} ${process.env.OMNIRELAY_HYPERSCALE_ENGINE_HOST}`,
    );
    assert.deepEqual(seen, ['unix:///a.sock 127.0.0.1', 'unix:///b.sock 127.0.0.2']);
    assert.equal(process.env.DOCKER_HOST, 'unix:///a.sock');
    assert.deepEqual(await forEachEngine([], async () => 1), []);
  } finally {
    for (const [k, v] of [
      ['DOCKER_HOST', saved.docker],
      ['OMNIRELAY_HYPERSCALE_ENGINE_HOST', saved.host],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
