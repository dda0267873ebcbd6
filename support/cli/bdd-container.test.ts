import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runnerEnv, socketToMount } from './bdd-container';

test('the runner mounts a local socket and refuses a remote engine with the fix', () => {
  assert.equal(socketToMount(undefined), '/var/run/docker.sock');
  assert.equal(socketToMount('unix:///run/user/1000/docker.sock'), '/run/user/1000/docker.sock');
  assert.throws(() => socketToMount('tcp://10.0.0.5:2375'), /DOCKER_HOST=tcp:\/\/10.0.0.5:2375.*needs an engine on this machine[\s\S]*Fix: unset DOCKER_HOST/);
});

test("the suite inside sees the suite's settings and CI, not the rest of this shell", () => {
  const env = runnerEnv({ OMNIRELAY_HYPERSCALE_NETFAULTS: 'helper', CI: 'true', PATH: '/usr/bin', HOME: '/root', DOCKER_HOST: 'unix:///x' }, { HOME: '/tmp' });
  assert.deepEqual(env.sort(), ['CI=true', 'HOME=/tmp', 'OMNIRELAY_HYPERSCALE_NETFAULTS=helper']);
});
