import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNetns, engineNotLocal, netnsExec } from './choose';

test('the engine is local only on a unix socket whose dockerd this process can see', () => {
  assert.deepEqual(
    engineNotLocal({}, () => true),
    [],
  );
  assert.deepEqual(
    engineNotLocal({ DOCKER_HOST: 'unix:///var/run/docker.sock' }, () => true),
    [],
  );
  assert.match(engineNotLocal({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, () => true).join(), /DOCKER_HOST=tcp:\/\/10.0.0.5:2375 is not a local socket/);
  assert.match(engineNotLocal({ DOCKER_HOST: 'ssh://me@box' }, () => true).join(), /not a local socket/);
  assert.match(engineNotLocal({}, () => false).join(), /no dockerd process is visible here/);
});

test('host mode as set needs no image; its checks come at the first fault', async () => {
  const choice = await chooseNetns('host');
  assert.equal(choice.mode, 'host');
  // Plain data: a parallel run's coordinator hands it to its workers as JSON.
  const exec = netnsExec(JSON.parse(JSON.stringify(choice)) as typeof choice);
  assert.equal(exec.mode, 'host');
  assert.equal(exec.node, process.execPath);
  assert.match(choice.why, /OMNIRELAY_HYPERSCALE_NETFAULTS=host/);
  assert.match(exec.describe(), /nsenter/);
});
