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
