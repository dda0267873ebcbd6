import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingCapabilities } from './capabilities';
import { readSettings, SettingsError } from './settings';

test('defaults: containers on, the two-region topology, no defect', () => {
  const s = readSettings({});
  assert.equal(s.containers, true);
  assert.equal(s.defaultTopology, 'GlobalLeaderWithTwoRegions');
  assert.equal(s.defect, undefined);
  assert.equal(s.readyTimeoutMs, 60_000);
  assert.equal(s.netfaults, 'auto');
  assert.equal(s.engineHost, '127.0.0.1');
});

test('the engine host: the setting, else the host of a tcp DOCKER_HOST, else 127.0.0.1', () => {
  assert.equal(readSettings({ OMNIRELAY_HYPERSCALE_ENGINE_HOST: '127.0.0.2' }).engineHost, '127.0.0.2');
  assert.equal(readSettings({ DOCKER_HOST: 'tcp://build-box.example:2376' }).engineHost, 'build-box.example');
  assert.equal(readSettings({ DOCKER_HOST: 'unix:///run/docker2.sock' }).engineHost, '127.0.0.1');
  assert.throws(() => readSettings({ OMNIRELAY_HYPERSCALE_ENGINE_HOST: 'http://x:1' }), /OMNIRELAY_HYPERSCALE_ENGINE_HOST="http:\/\/x:1" is not a host/);
});

test('several engines: each address, dialled at 127.0.0.n for the n-th local socket, a tcp host at itself, or as given', () => {
  assert.deepEqual(readSettings({}).engines, []);
  assert.deepEqual(readSettings({ OMNIRELAY_HYPERSCALE_ENGINES: 'unix:///var/run/docker.sock, unix:///run/docker2.sock,tcp://box.example:2375' }).engines, [
    { address: 'unix:///var/run/docker.sock', host: '127.0.0.1' },
    { address: 'unix:///run/docker2.sock', host: '127.0.0.2' },
    { address: 'tcp://box.example:2375', host: 'box.example' },
  ]);
  assert.deepEqual(readSettings({ OMNIRELAY_HYPERSCALE_ENGINES: 'unix:///run/docker2.sock=127.0.0.9' }).engines, [
    { address: 'unix:///run/docker2.sock', host: '127.0.0.9' },
  ]);
  assert.throws(
    () => readSettings({ OMNIRELAY_HYPERSCALE_ENGINES: 'unix:///a.sock,/run/docker2.sock' }),
    /OMNIRELAY_HYPERSCALE_ENGINES: engine 2 "\/run\/docker2.sock" is not a Docker host: use unix:\/\/\/path/,
  );
  assert.throws(
    () => readSettings({ OMNIRELAY_HYPERSCALE_ENGINES: 'unix:///a.sock=http://x' }),
    /engine 1 "unix:\/\/\/a.sock=http:\/\/x": "http:\/\/x" is not a host address/,
  );
});

test('a wrong value names the variable and the fix', () => {
  assert.throws(
    () => readSettings({ OMNIRELAY_HYPERSCALE_CONTAINERS: 'maybe' }),
    (e: Error) => e instanceof SettingsError && /OMNIRELAY_HYPERSCALE_CONTAINERS="maybe".*true or false/.test(e.message),
  );
  assert.throws(
    () => readSettings({ OMNIRELAY_HYPERSCALE_READY_TIMEOUT_MS: '10s' }),
    /OMNIRELAY_HYPERSCALE_READY_TIMEOUT_MS="10s" must be a positive whole number/,
  );
  assert.throws(() => readSettings({ OMNIRELAY_HYPERSCALE_DEFECT: 'Not A Defect' }), /OMNIRELAY_HYPERSCALE_DEFECT="Not A Defect" is not a defect name/);
  assert.throws(
    () => readSettings({ OMNIRELAY_HYPERSCALE_NETFAULTS: 'sidecar' }),
    /OMNIRELAY_HYPERSCALE_NETFAULTS="sidecar" is not a mode: use auto, helper .* or host/,
  );
  assert.equal(readSettings({ OMNIRELAY_HYPERSCALE_NETFAULTS: ' Helper ' }).netfaults, 'helper');
});

test('the registry prefix loses a trailing slash; false disables containers', () => {
  const s = readSettings({ OMNIRELAY_HYPERSCALE_REGISTRY: 'registry.example.com/team/', OMNIRELAY_HYPERSCALE_CONTAINERS: 'false' });
  assert.equal(s.registry, 'registry.example.com/team');
  assert.equal(s.containers, false);
});

test('capability gating names exactly what the image lacks', () => {
  const tags = ['@bootstrap', '@requires:feature:mesh-roles', '@requires:feature:mesh-promotion'];
  assert.deepEqual(missingCapabilities(tags, ['feature:http', 'feature:mesh-roles']), ['feature:mesh-promotion']);
  assert.deepEqual(missingCapabilities(['@smoke'], []), []);
});
