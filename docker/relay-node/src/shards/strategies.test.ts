import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assignShards,
  beats,
  compareRingPoints,
  locality,
  localityCandidates,
  locateOnRing,
  rendezvous,
  ring,
  ringPoints,
  type ShardNode,
  type StrategyId,
} from './strategies';
import { xxhash64 } from './xxhash64';

const ids = (n: number, prefix = 'shard-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const named = (...nodeIds: string[]): ShardNode[] => nodeIds.map((nodeId) => ({ nodeId }));
const owners = (strategy: StrategyId, nodes: ShardNode[], shardIds: string[], ns = 'ns') =>
  assignShards(strategy, nodes, ns, shardIds).map((a) => a.ownerNodeId);
const counts = (list: string[]) => list.reduce<Record<string, number>>((c, o) => ({ ...c, [o]: (c[o] ?? 0) + 1 }), {});

test('golden owners match an independent implementation over libxxhash', () => {
  // Computed in Python with the C library's XXH64, following contract §4 and the real host.
  const nodes: ShardNode[] = [{ nodeId: 'node-a' }, { nodeId: 'node-b', weight: 2 }, { nodeId: 'node-c', weight: 0.5 }];
  const shardIds = Array.from({ length: 12 }, (_, i) => `shard-${String(i).padStart(2, '0')}`);
  const [a, b, c] = ['node-a', 'node-b', 'node-c'];
  assert.deepEqual(owners('ring', nodes, shardIds, 'orders'), [b, b, a, b, c, b, c, b, a, b, a, b]);
  assert.deepEqual(owners('rendezvous', nodes, shardIds, 'orders'), [b, b, b, a, b, b, b, a, a, c, b, b]);
});

test('assignments are deterministic and ignore node order', () => {
  const nodes = named('n1', 'n2', 'n3', 'n4', 'n5');
  for (const strategy of ['ring', 'rendezvous', 'locality'] as const) {
    const first = assignShards(strategy, nodes, 'ns', ids(64));
    assert.deepEqual(assignShards(strategy, nodes, 'ns', ids(64)), first, strategy);
    assert.deepEqual(assignShards(strategy, [...nodes].reverse(), 'ns', ids(64)), first, `${strategy} reversed`);
    assert.deepEqual(
      first.map((a) => a.shardId),
      ids(64),
    );
  }
  assert.equal(ring(nodes, 'ns', 'shard-3'), owners('ring', nodes, ['shard-3'])[0]);
  assert.equal(rendezvous(nodes, 'ns', 'shard-3'), owners('rendezvous', nodes, ['shard-3'])[0]);
  // The namespace is part of the key.
  assert.notDeepEqual(owners('rendezvous', nodes, ids(64), 'a'), owners('rendezvous', nodes, ids(64), 'b'));
});

test("rendezvous: removing a node moves only that node's shards", () => {
  const five = named('n1', 'n2', 'n3', 'n4', 'n5');
  const before = owners('rendezvous', five, ids(64));
  const after = owners(
    'rendezvous',
    five.filter((n) => n.nodeId !== 'n3'),
    ids(64),
  );
  assert.ok(before.includes('n3'), 'n3 should own something for the test to mean anything');
  before.forEach((owner, i) => {
    if (owner === 'n3') assert.notEqual(after[i], 'n3');
    else assert.equal(after[i], owner, `shard-${i} moved without cause`);
  });
});

test('rendezvous: adding a node moves about 1/n of the shards, all to it', () => {
  const five = named('n1', 'n2', 'n3', 'n4', 'n5');
  const before = owners('rendezvous', five, ids(64));
  const after = owners('rendezvous', [...five, { nodeId: 'n6' }], ids(64));
  const moved = before.filter((owner, i) => after[i] !== owner).length;
  for (let i = 0; i < 64; i++) if (after[i] !== before[i]) assert.equal(after[i], 'n6');
  // Expect ~64/6 ≈ 11; the bound only rules out "nothing" and "reshuffle".
  assert.ok(moved >= 3 && moved <= 24, `moved ${moved}`);
});

test('weight 3 draws clearly more shards than weight 1', () => {
  const nodes: ShardNode[] = [{ nodeId: 'heavy', weight: 3 }, ...named('l1', 'l2', 'l3', 'l4')];
  for (const strategy of ['rendezvous', 'ring'] as const) {
    const c = counts(owners(strategy, nodes, ids(1000)));
    for (const light of ['l1', 'l2', 'l3', 'l4']) {
      assert.ok((c.heavy ?? 0) > 2 * (c[light] ?? 0), `${strategy}: heavy ${c.heavy} vs ${light} ${c[light]}`);
    }
  }
  // Weights at or below 0.001 all count as 0.001 in rendezvous.
  const zero = owners(
    'rendezvous',
    [
      { nodeId: 'a', weight: 0 },
      { nodeId: 'b', weight: 0.001 },
    ],
    ids(50),
  );
  const negative = owners(
    'rendezvous',
    [
      { nodeId: 'a', weight: -4 },
      { nodeId: 'b', weight: 0.001 },
    ],
    ids(50),
  );
  assert.deepEqual(zero, negative);
});

test('ring: 64 points per unit of weight at nodeId#i, at least one', () => {
  const points = ringPoints([{ nodeId: 'a' }, { nodeId: 'b', weight: 1.5 }, { nodeId: 'c', weight: 0.0001 }]);
  assert.equal(points.filter((p) => p.nodeId === 'a').length, 64);
  assert.equal(points.filter((p) => p.nodeId === 'b').length, 96);
  assert.equal(points.filter((p) => p.nodeId === 'c').length, 1);
  assert.ok(points.some((p) => p.nodeId === 'a' && p.hash === xxhash64('a#63')));
  for (let i = 1; i < points.length; i++) assert.ok(points[i - 1]!.hash <= points[i]!.hash);
});

test('ring: a key past the last point wraps to the first', () => {
  // Weight 1/64 gives one point each: a two-point ring.
  const nodes: ShardNode[] = [
    { nodeId: 'alpha', weight: 1 / 64 },
    { nodeId: 'beta', weight: 1 / 64 },
  ];
  const [low, high] = ringPoints(nodes);
  assert.ok(low && high && low.nodeId !== high.nodeId);
  const keyHash = (shardId: string) => xxhash64(`ns/${shardId}`);
  const past = ids(5000).find((s) => keyHash(s) > high.hash);
  const between = ids(5000).find((s) => keyHash(s) > low.hash && keyHash(s) <= high.hash);
  const before = ids(5000).find((s) => keyHash(s) <= low.hash);
  assert.ok(past && between && before, 'need a key in each arc');
  assert.equal(ring(nodes, 'ns', past), low.nodeId);
  assert.equal(ring(nodes, 'ns', between), high.nodeId);
  assert.equal(ring(nodes, 'ns', before), low.nodeId);
});

test('ring: a key on a point belongs to it; shared points go to the smaller nodeId', () => {
  const points = [
    { hash: 10n, nodeId: 'a' },
    { hash: 20n, nodeId: 'b' },
    { hash: 20n, nodeId: 'c' },
    { hash: 30n, nodeId: 'd' },
  ];
  assert.equal(locateOnRing(points, 10n), 'a');
  assert.equal(locateOnRing(points, 11n), 'b');
  assert.equal(locateOnRing(points, 20n), 'b');
  assert.equal(locateOnRing(points, 30n), 'd');
  assert.equal(locateOnRing(points, 31n), 'a');
  assert.equal(locateOnRing(points, 0n), 'a');
  // The ring's sort puts equal hashes in ordinal nodeId order, which is what makes the above the rule.
  const shared = [
    { hash: 20n, nodeId: 'c' },
    { hash: 20n, nodeId: 'B' },
    { hash: 5n, nodeId: 'z' },
    { hash: 20n, nodeId: 'a' },
  ];
  assert.deepEqual(
    [...shared].sort(compareRingPoints).map((p) => p.nodeId),
    ['z', 'B', 'a', 'c'],
  );
});

test('rendezvous ties go to the smaller nodeId, whatever the order', () => {
  const x = { nodeId: 'node-a', score: 0.5 };
  const y = { nodeId: 'node-b', score: 0.5 };
  assert.equal(beats(x, y), true);
  assert.equal(beats(y, x), false);
  // Within the real host's 1e-12 tolerance still counts as a tie...
  assert.equal(beats({ nodeId: 'node-a', score: 0.5 }, { nodeId: 'node-b', score: 0.5 + 1e-13 }), true);
  // ...but a real difference wins regardless of name, and ordinal order puts "B" before "a".
  assert.equal(beats({ nodeId: 'node-z', score: 0.6 }, { nodeId: 'node-a', score: 0.5 }), true);
  assert.equal(beats({ nodeId: 'node-a', score: 0.5 }, { nodeId: 'node-z', score: 0.6 }), false);
  assert.equal(beats({ nodeId: 'B', score: 0.5 }, { nodeId: 'a', score: 0.5 }), true);
});

test("locality prefers the origin's zone, then its region, then everyone", () => {
  const nodes: ShardNode[] = [
    { nodeId: 'e1a', region: 'east', zone: 'east-1a' },
    { nodeId: 'e1b', region: 'east', zone: 'east-1b' },
    { nodeId: 'e1b2', region: 'east', zone: 'east-1b' },
    { nodeId: 'w2a', region: 'west', zone: 'west-2a' },
    { nodeId: 'w2b', region: 'west', zone: 'west-2b' },
    { nodeId: 'bare' },
  ];
  const ownersFrom = (origin: { zone?: string; region?: string }) => new Set(assignShards('locality', nodes, 'ns', ids(200), origin).map((a) => a.ownerNodeId));

  assert.deepEqual(ownersFrom({ zone: 'east-1b', region: 'east' }), new Set(['e1b', 'e1b2']));
  assert.deepEqual(ownersFrom({ zone: 'EAST-1A' }), new Set(['e1a']), 'zones compare case-insensitively');
  assert.deepEqual(ownersFrom({ zone: 'west-2z', region: 'west' }), new Set(['w2a', 'w2b']));
  assert.equal(ownersFrom({ zone: 'mars-1', region: 'mars' }).size, nodes.length);
  assert.equal(ownersFrom({}).size, nodes.length);
  // Within the chosen set it is plain rendezvous.
  const west = localityCandidates(nodes, { region: 'west' });
  for (const shardId of ids(20)) assert.equal(locality(nodes, 'ns', shardId, { region: 'west' }), rendezvous(west, 'ns', shardId));
  assert.deepEqual(assignShards('locality', nodes, 'ns', ids(64)), assignShards('rendezvous', nodes, 'ns', ids(64)), 'no origin is rendezvous over all nodes');
});

test('bad input fails clearly', () => {
  assert.throws(() => assignShards('modulo' as StrategyId, named('a'), 'ns', ids(3)), /unknown shard strategy "modulo"/);
  for (const strategy of ['ring', 'rendezvous', 'locality'] as const) {
    assert.throws(() => assignShards(strategy, [], 'ns', ids(3)), /at least one node/, strategy);
    assert.throws(() => assignShards(strategy, [], 'ns', []), /at least one node/, strategy);
    assert.throws(() => assignShards(strategy, [{ nodeId: ' ' }], 'ns', ids(3)), /non-blank nodeId/, strategy);
    assert.throws(() => assignShards(strategy, [{ nodeId: 'a', weight: Number.NaN }], 'ns', ids(3)), /non-finite weight/, strategy);
    assert.deepEqual(assignShards(strategy, named('a'), 'ns', []), []);
  }
  assert.throws(() => ring([], 'ns', 's'), /at least one node/);
  assert.throws(() => rendezvous([], 'ns', 's'), /at least one node/);
  assert.throws(() => locality([], 'ns', 's', { zone: 'z' }), /at least one node/);
});
