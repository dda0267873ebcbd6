import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeersView, ShardRecord, ShardsView } from '../fabric/contract';
import {
  copiesIdenticalProblems,
  drainedHoldsNothingProblems,
  majorityRecord,
  orphanedOwnerProblems,
  replicaDroppedProblems,
  replicaRejoinedProblems,
} from './shard-holders';

const record = (shardId: string, owner: string, replicas: string[]): ShardRecord => ({
  namespace: 'ns',
  shardId,
  strategyId: 'rendezvous',
  ownerNodeId: owner,
  capacityHint: 1,
  status: 0,
  version: 1,
  checksum: '',
  updatedAt: '',
  replicas,
});
const map = (...items: ShardRecord[]): ShardsView => ({ version: 1, items });
const peers = (...alive: string[]): PeersView => ({ peers: alive.map((nodeId) => ({ nodeId, status: 'Alive' })) }) as unknown as PeersView;

test('the majority record is the one its majority owner publishes; no majority, no record', () => {
  const views = new Map([
    ['a', map(record('s1', 'n1', ['n2']))],
    ['b', map(record('s1', 'n1', ['n2']))],
    ['c', map(record('s1', 'n3', []))],
  ]);
  assert.equal(majorityRecord(views, 's1')?.ownerNodeId, 'n1');
  assert.equal(
    majorityRecord(
      new Map([
        ['a', map(record('s1', 'n1', []))],
        ['b', map(record('s1', 'n2', []))],
      ]),
      's1',
    ),
    undefined,
  );
});

test('an owner some node does not see Alive is orphaned; the owner itself has no say', () => {
  const maps = new Map([['n1', map(record('s1', 'n1', []))]]);
  assert.deepEqual(
    orphanedOwnerProblems(
      maps,
      new Map([
        ['n1', peers()],
        ['n2', peers('n1')],
      ]),
    ),
    [],
  );
  assert.deepEqual(
    orphanedOwnerProblems(
      maps,
      new Map([
        ['n2', peers('n1')],
        ['n3', peers()],
      ]),
    ),
    ['n3 does not see owner n1 Alive'],
  );
});

test('a drained node holds nothing in any map and reports Drained', () => {
  const clean = new Map([['n2', map(record('s1', 'n2', ['n3']))]]);
  assert.deepEqual(drainedHoldsNothingProblems(clean, 'n1', 2), []);
  const still = new Map([['n2', map(record('s1', 'n1', []), record('s2', 'n2', ['n1']))]]);
  assert.deepEqual(drainedHoldsNothingProblems(still, 'n1', 1), [
    "n2's map still gives n1 1 owned and 1 replicated shards",
    'n1 reports upgrade state 1, not Drained (2)',
  ]);
});

test('a crashed replica is dropped when the record names it nowhere; it rejoins when listed again', () => {
  assert.deepEqual(replicaDroppedProblems(record('s1', 'n1', ['n3']), 's1', 'n2'), []);
  assert.deepEqual(replicaDroppedProblems(record('s1', 'n1', ['n2']), 's1', 'n2'), ['s1: owner n1, replicas n2']);
  assert.deepEqual(replicaDroppedProblems(undefined, 's1', 'n2'), ['s1: owner ?, replicas ?']);
  assert.deepEqual(replicaRejoinedProblems(record('s1', 'n1', ['n2']), 's1', 'n2'), []);
  assert.deepEqual(replicaRejoinedProblems(record('s1', 'n2', []), 's1', 'n2'), []);
  assert.deepEqual(replicaRejoinedProblems(record('s1', 'n1', ['n3']), 's1', 'n2'), ['s1: owner n1, replicas n3']);
});

test('copies are identical when every replica has the owner index and digest', () => {
  const same = new Map([
    ['n1', { index: 9, digest: 'x' }],
    ['n2', { index: 9, digest: 'x' }],
  ]);
  assert.deepEqual(copiesIdenticalProblems('n1', same), []);
  const behind = new Map([
    ['n1', { index: 9, digest: 'x' }],
    ['n2', { index: 7, digest: 'y' }],
  ]);
  assert.deepEqual(copiesIdenticalProblems('n1', behind), ['n2: index 7 digest y; owner n1: index 9 digest x']);
  assert.deepEqual(copiesIdenticalProblems('n1', new Map([['n2', { index: 1, digest: 'z' }]])), ['the owner n1 did not report its copy']);
});
