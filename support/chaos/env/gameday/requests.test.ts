import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { topologyByName } from '../../../../topologies';
import { FAULT_NAMES, parseRequest, type FaultName, type RawRequest } from './requests';
import { plannedTargets } from './targets';

const topology = topologyByName('GlobalLeaderWithTwoRegions');

/** Per fault: a valid request, what its dry run must show it touches, and a bad one with the error naming the field. */
const CASES: Record<FaultName, { ok: Omit<RawRequest, 'fault'>; touches: RegExp; bad: Omit<RawRequest, 'fault'>; error: RegExp }> = {
  crash: { ok: { target: 'east-1' }, touches: /^east-1$/, bad: {}, error: /crash needs a target: a node phrase/ },
  'leader kill': {
    ok: {},
    touches: /holder of global-control/,
    bad: { target: 'region east' },
    error: /target is a scope, "global-control" or "region\/<name>"/,
  },
  pause: {
    ok: { target: 'the global leader' },
    touches: /the global leader \(found when the fault starts\)/,
    bad: { target: 'everyone' },
    error: /pause needs one node: a node id/,
  },
  restart: {
    ok: { target: 'west-3' },
    touches: /^west-3$/,
    bad: { target: 'west-3', duration: '11 minutes' },
    error: /duration must be more than 0 and at most 10 minutes/,
  },
  partition: {
    ok: { target: 'region west / everyone else' },
    touches: /^west-1 west-2 west-3 etcd-west \| global-1 east-1/,
    bad: { target: 'region west' },
    error: /must name two sides separated by "\/"/,
  },
  'clock skew': {
    ok: { target: 'the global leader', intensity: '-20 s drift -5 %' },
    touches: /the global leader \(found when the fault starts\)/,
    bad: { target: 'east-1', intensity: '20 minutes' },
    error: /"clock skew 20 minutes" is not a clock fault/,
  },
  'one-way cut': { ok: { target: 'east-1 / west-1, west-2' }, touches: /^east-1 \| west-1 west-2$/, bad: { target: 'east-1 /' }, error: /two sides/ },
  bridge: {
    ok: { target: 'region east / region west', via: 'global-1' },
    touches: /bridged by global-1/,
    bad: { target: 'region east / region west' },
    error: /bridge needs --via <node>/,
  },
  'majorities ring': {
    ok: {},
    touches: /^global-1 east-1 east-2 east-3 west-1 west-2 west-3$/,
    bad: { duration: 'soon' },
    error: /duration "soon" is not a duration/,
  },
  latency: {
    ok: { target: 'region east ↔ region west', intensity: '300 ms', jitter: '50 ms' },
    touches: /^36 proxied path\(s\)/,
    bad: { target: 'east-1', intensity: '300 ms' },
    error: /latency needs proxied links as target/,
  },
  bandwidth: {
    ok: { target: 'clients → region east', intensity: '64' },
    touches: /^3 proxied path\(s\): clients-to-east-1/,
    bad: { target: 'region east', intensity: 'fast' },
    error: /unknown fault "bandwidth fast"/,
  },
  'connection resets': { ok: { target: 'region west' }, touches: /proxied path/, bad: {}, error: /connection resets needs a target/ },
  'connection timeouts': {
    ok: { target: 'region west' },
    touches: /proxied path/,
    bad: { target: 'region west / east' },
    error: /needs proxied links as target/,
  },
  'packet loss': {
    ok: { target: 'region east / region west', intensity: '30%' },
    touches: /east-1 east-2 east-3 etcd-east \| west-1/,
    bad: { target: 'region east / region west', intensity: '150%' },
    error: /between 0 and 100 %/,
  },
  'membership surge': {
    ok: { target: 'region east', intensity: '4', rate: '2/s', duration: '20 s' },
    touches: /4 new node\(s\) in region east/,
    bad: { target: 'region east', intensity: '4', duration: '5 s' },
    error: /take 8 s; give a longer duration/,
  },
  'certificate expiry': { ok: { target: 'east-2' }, touches: /^east-2$/, bad: { target: 'the owner of shard-99' }, error: /unknown shard shard-99/ },
};

test('every fault of the catalog has a dry-run case and a schema case', () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(FAULT_NAMES).sort());
});

for (const [fault, c] of Object.entries(CASES)) {
  test(`${fault}: the dry run plans it against the topology`, () => {
    const request = parseRequest({ fault, ...c.ok }, `chaos ${fault}`);
    assert.match(plannedTargets(topology, request.fault), c.touches);
    assert.ok(request.durationMs > 0 && request.durationMs <= 600_000);
  });
  test(`${fault}: a bad request is refused, naming what is wrong`, () => {
    assert.throws(() => parseRequest({ fault, ...c.bad }, `chaos ${fault}`), c.error);
  });
}

test('targets that name nothing in the topology are refused by the dry run', () => {
  const plan = (raw: RawRequest) => plannedTargets(topology, parseRequest(raw, 'x').fault);
  assert.throws(() => plan({ fault: 'crash', target: 'north-1' }), /"north-1" is no relay node of topology "GlobalLeaderWithTwoRegions"; nodes: global-1/);
  assert.throws(() => plan({ fault: 'latency', target: 'region global' }), /"region global" matches no proxied path .*proxied regions: east, west/);
  assert.throws(() => plan({ fault: 'surge', target: 'region north' }), /region "north": topology "GlobalLeaderWithTwoRegions" has regions global, east, west/);
  assert.throws(() => plan({ fault: 'partition', target: 'region north / everyone else' }), /no node or etcd member is in region "north"/);
  assert.throws(() => parseRequest({ fault: 'meteor' }, 'chaos meteor'), /unknown fault "meteor"; known: crash, leader kill/);
});

test('the CLI prints the plan and touches nothing on --dry-run; a bad request exits 2', () => {
  const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' };
  const ok = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'support/cli/chaos.ts', 'latency', '--target', 'region east ↔ region west', '--intensity', '300 ms', '--dry-run'],
    {
      encoding: 'utf8',
      env,
    },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /\+0\.0 s … \+30\.0 s {2}latency 300 ms on region east ↔ region west {2}→ {2}36 proxied path\(s\)/);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'support/cli/chaos.ts', 'crash', '--target', 'north-1', '--dry-run'], { encoding: 'utf8', env });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"north-1" is no relay node/);
});
