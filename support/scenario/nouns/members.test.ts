// Members with fake siblings: every phrase resolves through the one resolver, tables included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNodes } from '../nodes';
import type { Leadership } from './leadership';
import { Members } from './members';
import type { ShardMap } from './shard-map';

function members(deposed: string[] = []) {
  const relay = [
    { id: 'east-1', region: 'east' },
    { id: 'east-2', region: 'east' },
    { id: 'west-1', region: 'west' },
  ];
  const etcd = [
    { id: 'etcd-east', region: 'east' },
    { id: 'etcd-west', region: 'west' },
  ];
  const cluster = {
    topology: { name: 'T', nodes: relay, etcd },
    relayNodes: relay,
    etcd,
    node: (id: string) => {
      const n = relay.find((r) => r.id === id);
      if (!n) throw new Error(`no node "${id}" in topology "T"`);
      return n;
    },
  };
  const leadership = { current: async () => 'east-2', deposedFrom: () => deposed } as unknown as Leadership;
  const shardMap = { recordOf: async (shard: string) => ({ shardId: shard, ownerNodeId: 'west-1' }) } as unknown as ShardMap;
  return new Members({ cluster } as unknown as ClusterNodes, leadership, shardMap);
}

test('one phrase, one node: ids, the global leader, the previous one, a shard owner', async () => {
  const m = members(['east-1']);
  assert.deepEqual(await Promise.all(['"east-1"', 'the global leader', 'the previous global leader', 'the owner of shard-07'].map((p) => m.one(p))), [
    'east-1',
    'east-2',
    'east-1',
    'west-1',
  ]);
  await assert.rejects(members().one('the previous global leader'), /no global leader was taken down in this scenario yet/);
  await assert.rejects(m.one('"north-9"'), /no node "north-9" in topology "T"/);
  await assert.rejects(m.one('the moon'), /"the moon" names no node/);
});

test('a table resolves each phrase once and says what it named', async () => {
  const { groups, named } = await members().groups([
    { name: 'cut', members: ['the owner of shard-07', 'the global leader'] },
    { name: 'rest', members: ['everyone else'] },
  ]);
  assert.deepEqual(groups, { cut: ['west-1', 'east-2'], rest: ['east-1', 'etcd-east', 'etcd-west'] });
  assert.deepEqual(
    [...named],
    [
      ['the owner of shard-07', 'west-1'],
      ['the global leader', 'east-2'],
    ],
  );
});
