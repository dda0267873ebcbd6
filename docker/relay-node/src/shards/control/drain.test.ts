import { test } from 'node:test';
import { seeded } from '../../defects';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MembershipTable } from '../../gossip/membership';
import { createLogger } from '../../log';
import { NodeState } from '../../state';
import type { ShardMap } from '../types';
import { DRAIN_STATE, DrainConflictError, DrainController, SHARD_LABEL } from './drain';
import { ShardMapCache } from './map-cache';
import { shardMap, shardRecord } from '../../testing/shard-maps';

const quiet = createLogger({}, 'error', () => undefined);

const mapWith = (version: number, owner: string, replicas: string[]): ShardMap => shardMap(version, [shardRecord('s0', owner, replicas, version)]);

function setup(onDrain?: () => Promise<void>) {
  const table = new MembershipTable(
    {
      nodeId: 'a',
      role: '',
      clusterId: 'c',
      region: 'r',
      meshVersion: '0',
      http3Support: false,
      endpoint: 'a:1',
      metadataVersion: 1,
      labels: { httpEndpoint: 'a:8080' },
    },
    { suspicionMs: 5000, leftMs: 11000 },
  );
  const state = new NodeState({ enrollment: false, etcd: false, etcdStaleMs: 3000 });
  const cache = new ShardMapCache({ store: undefined, pollMs: 10, defects: seeded(), log: quiet });
  const drain = new DrainController({ nodeId: 'a', state, table, view: cache, log: quiet, pollMs: 10, ...(onDrain ? { onDrain } : {}) });
  return { table, state, cache, drain };
}

test('drain: label + 503 flag + hook, Drained once no shard and no call remain; resume undoes it', async () => {
  let hooked = 0;
  const t = setup(async () => void hooked++);
  t.cache.offer(mapWith(1, 'a', ['b']));
  assert.equal(t.drain.snapshot().state, DRAIN_STATE.Active);
  assert.equal(t.drain.snapshot().ownedShards, 1);

  const snap = await t.drain.drain('upgrade');
  assert.equal(snap.state, DRAIN_STATE.Draining);
  assert.equal(snap.reason, 'upgrade');
  assert.ok(snap.startedAt);
  assert.equal(hooked, 1);
  assert.equal(t.state.draining, true);
  assert.equal(t.table.localMetadata.labels[SHARD_LABEL], 'draining');
  assert.equal(t.table.localMetadata.metadataVersion, 2, 'the bump makes gossip carry the label');
  assert.equal(t.table.localMetadata.labels.httpEndpoint, 'a:8080');
  await assert.rejects(t.drain.drain('again'), DrainConflictError);

  t.cache.offer(mapWith(2, 'b', ['a']));
  await sleep(40);
  assert.equal(t.drain.current, DRAIN_STATE.Draining, 'still a replica');
  t.state.activeRequests = 1;
  t.cache.offer(mapWith(3, 'b', ['c']));
  await sleep(40);
  assert.equal(t.drain.current, DRAIN_STATE.Draining, 'a call is still in flight');
  t.state.activeRequests = 0;
  await sleep(40);
  assert.equal(t.drain.current, DRAIN_STATE.Drained);
  await assert.rejects(t.drain.drain('again'), DrainConflictError);

  const resumed = await t.drain.resume();
  assert.equal(resumed.state, DRAIN_STATE.Active);
  assert.equal(resumed.reason, undefined);
  assert.equal(t.state.draining, false);
  assert.equal(t.table.localMetadata.labels[SHARD_LABEL], undefined);
  assert.equal(t.table.localMetadata.labels.httpEndpoint, 'a:8080');
});

test('drainAndWait resolves true once Drained, false at the timeout', async () => {
  const t = setup();
  t.cache.offer(mapWith(1, 'a', []));
  const started = Date.now();
  assert.equal(await t.drain.drainAndWait(80), false);
  assert.ok(Date.now() - started >= 70);
  setTimeout(() => t.cache.offer(mapWith(2, 'b', [])), 30);
  assert.equal(await t.drain.drainAndWait(1000), true);
  t.drain.stop();
});

test('a failing drain hook leaves the node Failed (and still draining)', async () => {
  const t = setup(async () => {
    throw new Error('data plane refused');
  });
  const snap = await t.drain.drain('x');
  assert.equal(snap.state, DRAIN_STATE.Failed);
  assert.equal(snap.participants[0]?.lastError, 'data plane refused');
  assert.equal(t.state.draining, true);
  assert.equal((await t.drain.resume()).state, DRAIN_STATE.Active);
});
