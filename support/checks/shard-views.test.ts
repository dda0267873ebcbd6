import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ShardRecord, ShardsView } from '../fabric/contract';
import {
  diffRecordsMovesProblems,
  firstShardOwnedBy,
  majorityOwner,
  mapAgreementProblems,
  movedProblems,
  routingProblems,
  shardsHeldBy,
  unplacedNodes,
} from './shard-views';

const rec = (shardId: string, ownerNodeId: string, replicas: string[] = []): ShardRecord => ({
  namespace: 'mesh.control',
  shardId,
  strategyId: 'rendezvous',
  ownerNodeId,
  capacityHint: 1,
  status: 0,
  version: 1,
  checksum: 'x',
  updatedAt: '',
  replicas,
  fenceToken: 1,
});
const view = (version: number, ...items: ShardRecord[]): ShardsView => ({ version, items });

test('agreeing views have no problems; a different version or owner is named', () => {
  const same = new Map([
    ['a', view(3, rec('s1', 'a'))],
    ['b', view(3, rec('s1', 'a'))],
  ]);
  assert.deepEqual(mapAgreementProblems(same), []);
  const stale = new Map([
    ['a', view(3, rec('s1', 'a'))],
    ['b', view(2, rec('s1', 'b'))],
  ]);
  const problems = mapAgreementProblems(stale);
  assert.ok(problems.some((p) => p.includes('different map versions')));
  assert.ok(problems.some((p) => p.includes('b routes s1 to b')));
});

test('no published map is not agreement', () => {
  assert.ok(mapAgreementProblems(new Map([['a', view(0)]])).length > 0);
  assert.deepEqual(mapAgreementProblems(new Map()), ['no node answered']);
});

test('majority owner needs more than half of the views', () => {
  const views = new Map([
    ['a', view(3, rec('s1', 'x'))],
    ['b', view(3, rec('s1', 'x'))],
    ['c', view(2, rec('s1', 'y'))],
  ]);
  assert.equal(majorityOwner(views, 's1'), 'x');
  assert.equal(
    majorityOwner(
      new Map([
        ['a', view(3, rec('s1', 'x'))],
        ['b', view(2, rec('s1', 'y'))],
      ]),
      's1',
    ),
    undefined,
  );
});

test('routing problems name each node routing elsewhere', () => {
  const views = new Map([
    ['a', view(3, rec('s1', 'x'))],
    ['b', view(2, rec('s1', 'y'))],
  ]);
  assert.deepEqual(routingProblems(views, 's1', 'x'), ['b routes s1 to y (map version 2), not x']);
});

test('shards held by a node, as owner and as replica', () => {
  const v = view(1, rec('s1', 'a', ['b', 'c']), rec('s2', 'b', ['a']));
  assert.deepEqual(shardsHeldBy(v, 'a'), { owned: ['s1'], replicated: ['s2'] });
});

test('a node that owns no shard is not placed yet', () => {
  assert.deepEqual(unplacedNodes(view(2, rec('s1', 'a'), rec('s2', 'b')), ['a', 'b', 'c']), ['c']);
});

test('first shard owned by a set of nodes: the lowest shard id among theirs, whatever the map order; none when they own nothing', () => {
  const map = view(3, rec('shard-09', 'west-1'), rec('shard-02', 'east-1'), rec('shard-05', 'west-2'));
  assert.equal(firstShardOwnedBy(map, new Set(['west-1', 'west-2']))?.shardId, 'shard-05');
  assert.equal(firstShardOwnedBy(map, new Set(['global-1'])), undefined);
});

const owned = (...owners: string[]) => new Map(owners.map((o, i) => [`v${i}`, view(2, rec('s1', o))]));

test('a move away from the original owner, to a replica when asked: each way it falls short is named', () => {
  const origin = { owner: 'n1', replicas: ['n2', 'n3'] };
  assert.deepEqual(movedProblems(owned('n2', 'n2', 'n1'), 's1', origin, true), []);
  assert.deepEqual(movedProblems(owned('n1', 'n1', 'n2'), 's1', origin, false), ['n1 still owns it']);
  assert.deepEqual(movedProblems(owned('n4', 'n4', 'n4'), 's1', origin, true), ['moved to n4, which was not a replica']);
  assert.deepEqual(movedProblems(owned('n4', 'n4', 'n4'), 's1', origin, false), []);
  assert.deepEqual(movedProblems(owned('n2', 'n3'), 's1', origin, false), ['no majority of nodes agrees on an owner']);
});

test('the diff records each move; a missing change, an unchanged owner, or no move at all is a problem', () => {
  const changed = new Map([
    ['s1', rec('s1', 'n2')],
    ['s2', rec('s2', 'n5')],
  ]);
  assert.deepEqual(diffRecordsMovesProblems(3, [{ shardId: 's1', originalOwner: 'n1' }], changed), []);
  assert.deepEqual(
    diffRecordsMovesProblems(
      3,
      [
        { shardId: 's2', originalOwner: 'n5' },
        { shardId: 's9', originalOwner: 'n1' },
      ],
      changed,
    ),
    ["the diff's last record of s2 still names n5", 'the diff since version 3 has no change of s9'],
  );
  assert.deepEqual(diffRecordsMovesProblems(3, [], changed), ['no shard was seen moving, so there is nothing to find in the diff']);
});
