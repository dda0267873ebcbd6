import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SHARD_IDS } from '../../config';
import { assignShards, rendezvousScore, type ShardNode } from '../strategies';
import type { ShardMap } from '../types';
import { type PlanInput, planMap, rankNodes, recordChecksum, simulate, SimulationError } from './planner';

const NS = 'mesh.control';
const nodes = (...ids: string[]): ShardNode[] => ids.map((nodeId) => ({ nodeId }));

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    namespace: NS,
    shardIds: DEFAULT_SHARD_IDS,
    strategyId: 'rendezvous',
    replicas: 2,
    nodes: nodes('a', 'b', 'c', 'd'),
    overrides: {},
    leaderId: 'a',
    now: new Date('2025-01-01T00:00:00Z'),
    ticket: 'membership',
    ...overrides,
  };
}

function first(): ShardMap {
  const { map, moves } = planMap(undefined, input({ ticket: 'bootstrap' }));
  assert.ok(map);
  assert.equal(moves.length, 0, 'a first map moves nothing (no previous owners)');
  return map;
}

describe('planMap', () => {
  test('first map: version 1, strategy owners, every fence 1', () => {
    const map = first();
    assert.equal(map.version, 1);
    assert.equal(map.records.length, 64);
    const owners = assignShards('rendezvous', nodes('a', 'b', 'c', 'd'), NS, DEFAULT_SHARD_IDS);
    map.records.forEach((r, i) => {
      assert.equal(r.ownerNodeId, owners[i]!.ownerNodeId);
      assert.equal(r.version, 1);
      assert.equal(r.fenceToken, 1);
      assert.equal(r.status, 0);
      assert.equal(r.changeTicket, 'bootstrap');
      assert.equal(r.checksum, recordChecksum(r));
      assert.match(r.checksum, /^[0-9a-f]{16}$/);
    });
  });

  test('replicas are distinct, exclude the owner, and follow rendezvous score order', () => {
    for (const r of first().records) {
      assert.equal(r.replicas.length, 2);
      assert.equal(new Set(r.replicas).size, 2);
      assert.ok(!r.replicas.includes(r.ownerNodeId));
      const ranked = rankNodes(NS, r.shardId, nodes('a', 'b', 'c', 'd'));
      assert.deepEqual(r.replicas, ranked.filter((id) => id !== r.ownerNodeId).slice(0, 2));
      const scores = r.replicas.map((id) => rendezvousScore(NS, r.shardId, { nodeId: id }));
      assert.ok(scores[0]! >= scores[1]!);
    }
  });

  test('replicas are capped by the nodes available', () => {
    const { map } = planMap(undefined, input({ nodes: nodes('a', 'b'), replicas: 5 }));
    for (const r of map!.records) assert.equal(r.replicas.length, 1);
  });

  test('unchanged input: no new map, so nothing is published', () => {
    const map = first();
    const again = planMap(map, input({ nodes: nodes('d', 'c', 'b', 'a') })); // order does not matter
    assert.equal(again.map, undefined);
    assert.deepEqual(again.moves, []);
  });

  test('a node leaving moves only its shards; fences rise only there', () => {
    const map = first();
    const { map: next, moves } = planMap(map, input({ nodes: nodes('a', 'b', 'c') }));
    assert.ok(next);
    assert.equal(next.version, 2);
    const before = new Map(map.records.map((r) => [r.shardId, r]));
    const hadD = map.records.filter((r) => r.ownerNodeId === 'd').map((r) => r.shardId);
    assert.deepEqual(moves.map((m) => m.shardId).sort(), [...hadD].sort());
    for (const move of moves) {
      assert.equal(move.from, 'd');
      assert.notEqual(move.to, 'd');
      assert.equal(move.fenceToken, 2);
    }
    for (const r of next.records) {
      const old = before.get(r.shardId)!;
      assert.ok(!r.replicas.includes('d') && r.ownerNodeId !== 'd');
      if (old.ownerNodeId === 'd') {
        assert.equal(r.fenceToken, 2);
        assert.equal(r.version, 2);
        // rendezvous: the new owner is the best-ranked survivor, i.e. the old first replica when it survives
        assert.equal(r.ownerNodeId, old.replicas[0]);
      } else {
        assert.equal(r.ownerNodeId, old.ownerNodeId, 'others keep their owner');
        assert.equal(r.fenceToken, 1, 'fence unchanged without an owner change');
        if (old.replicas.includes('d')) assert.equal(r.version, 2, 'a replica change bumps the record version');
        else assert.equal(r, old, 'untouched records are kept as they were');
      }
    }
  });

  test("a record's version moves on a replica-only change while its fence stays", () => {
    const map = first();
    const { map: next } = planMap(map, input({ nodes: nodes('a', 'b', 'c', 'd', 'e') }));
    assert.ok(next);
    for (const r of next.records) {
      const old = map.records.find((o) => o.shardId === r.shardId)!;
      if (r.ownerNodeId === old.ownerNodeId) assert.equal(r.fenceToken, 1);
      else assert.equal(r.fenceToken, 2);
      if (r.version === 1) assert.deepEqual(r.replicas, old.replicas);
      else assert.notEqual(r.checksum, old.checksum);
    }
  });

  test('overrides are honoured while the node is eligible, then dropped', () => {
    const map = first();
    const shard = map.records[0]!;
    const target = ['a', 'b', 'c', 'd'].find((n) => n !== shard.ownerNodeId)!;
    const { map: moved, moves } = planMap(map, input({ overrides: { [shard.shardId]: target }, ticket: 'rebalance-2' }));
    assert.ok(moved);
    assert.deepEqual(moves, [{ shardId: shard.shardId, from: shard.ownerNodeId, to: target, fenceToken: 2, ticket: 'rebalance-2' }]);
    const record = moved.records[0]!;
    assert.equal(record.ownerNodeId, target);
    assert.ok(!record.replicas.includes(target));
    assert.equal(record.changeTicket, 'rebalance-2');
    assert.deepEqual(moved.overrides, { [shard.shardId]: target });

    // Stable while nothing changes: the override stays, no new map.
    assert.equal(planMap(moved, input({ overrides: moved.overrides })).map, undefined);

    // The override's node leaves: dropped, the strategy decides again.
    const remaining = ['a', 'b', 'c', 'd'].filter((n) => n !== target);
    const { map: after } = planMap(moved, input({ nodes: nodes(...remaining), overrides: moved.overrides }));
    assert.ok(after);
    assert.deepEqual(after.overrides, {});
    assert.notEqual(after.records[0]!.ownerNodeId, target);
  });

  test('an override naming an unknown node or shard is ignored', () => {
    const map = first();
    const { map: next } = planMap(map, input({ overrides: { 'shard-00': 'zz', nope: 'a' } }));
    assert.equal(next, undefined);
  });

  test('a ticket function names each change', () => {
    const map = first();
    const seen: string[] = [];
    const { map: next } = planMap(
      map,
      input({ nodes: nodes('a', 'b', 'c'), ticket: (c) => (seen.push(c.shardId), c.from === 'd' ? 'drain:d' : 'membership') }),
    );
    for (const r of next!.records.filter((r) => r.version === 2)) {
      const old = map.records.find((o) => o.shardId === r.shardId)!;
      assert.equal(r.changeTicket, old.ownerNodeId === 'd' ? 'drain:d' : 'membership');
    }
    assert.ok(seen.length > 0);
  });

  test('no eligible node: no map', () => {
    assert.equal(planMap(first(), input({ nodes: [] })).map, undefined);
  });

  test('unknown strategy throws', () => {
    assert.throws(() => planMap(undefined, input({ strategyId: 'nope' })), /unknown shard strategy/);
  });

  test('ring and locality plan too, with replicas in rendezvous order', () => {
    for (const strategyId of ['ring', 'locality']) {
      const { map } = planMap(undefined, input({ strategyId }));
      const owners = assignShards(strategyId as 'ring', nodes('a', 'b', 'c', 'd'), NS, DEFAULT_SHARD_IDS);
      map!.records.forEach((r, i) => {
        assert.equal(r.ownerNodeId, owners[i]!.ownerNodeId);
        assert.deepEqual(
          r.replicas,
          rankNodes(NS, r.shardId, nodes('a', 'b', 'c', 'd'))
            .filter((n) => n !== r.ownerNodeId)
            .slice(0, 2),
        );
      });
    }
  });
});

describe('simulate', () => {
  const options = { shardIds: DEFAULT_SHARD_IDS, knownNamespace: NS, replicas: 2, now: new Date('2025-01-01T00:00:00Z') };

  test('assignments for every shard, changes only where the owner would move', () => {
    const map = first();
    const result = simulate(NS, 'rendezvous', [{ nodeId: 'a' }, { nodeId: 'b' }, { nodeId: 'c' }], map, options);
    assert.equal(result.namespace, NS);
    assert.equal(result.strategyId, 'rendezvous');
    assert.equal(result.generatedAt, '2025-01-01T00:00:00.000Z');
    assert.equal(result.assignments.length, 64);
    const dShards = map.records.filter((r) => r.ownerNodeId === 'd').map((r) => r.shardId);
    assert.deepEqual(result.changes.map((c) => c.shardId).sort(), dShards.sort());
    for (const change of result.changes) {
      assert.equal(change.currentOwner, 'd');
      assert.equal(change.changesOwner, true);
      assert.notEqual(change.proposedOwner, 'd');
    }
    for (const a of result.assignments) assert.ok(!a.replicas.includes(a.ownerNodeId));
  });

  test('without a published map: the configured ids, no changes', () => {
    const result = simulate(
      NS,
      'ring',
      [
        { nodeId: 'a', weight: 2 },
        { nodeId: 'b', weight: null },
      ],
      undefined,
      options,
    );
    assert.equal(result.assignments.length, 64);
    assert.deepEqual(result.changes, []);
  });

  test('errors: unknown strategy and no nodes are 400, an unknown namespace 404', () => {
    const code = (fn: () => unknown): [number, string] => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof SimulationError);
        return [error.status, error.code];
      }
      throw new Error('expected a SimulationError');
    };
    assert.deepEqual(
      code(() => simulate(NS, 'nope', [{ nodeId: 'a' }], undefined, options)),
      [400, 'shards.control.strategy.unknown'],
    );
    assert.deepEqual(
      code(() => simulate(NS, 'ring', [], undefined, options)),
      [400, 'shards.control.nodes.required'],
    );
    assert.deepEqual(
      code(() => simulate(NS, 'ring', [{ nodeId: ' ' }], undefined, options)),
      [400, 'shards.control.node_id.invalid'],
    );
    assert.deepEqual(
      code(() => simulate('other', 'ring', [{ nodeId: 'a' }], undefined, options)),
      [404, 'shards.control.namespace.missing'],
    );
  });
});
