// The factory end to end on a real etcd: a leader publishes, a follower's cache follows, a node
// with the stale-shard-map defect takes no move among the same nodes. Skipped without an etcd binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../config';
import { MembershipTable } from '../../gossip/membership';
import type { MemberMetadata } from '../../gossip/types';
import { EtcdClient } from '../../leadership/etcd-client';
import { createLogger } from '../../log';
import { RelayMetrics } from '../../metrics';
import { NodeState } from '../../state';
import { type LocalEtcd, skipWithoutEtcd, startLocalEtcd } from '../../testing/local-etcd';
import { createShardControl, type ShardControl } from './index';

const quiet = createLogger({}, 'error', () => undefined);
const meta = (nodeId: string): MemberMetadata => ({
  nodeId,
  role: '',
  clusterId: 'c',
  region: 'r',
  meshVersion: '0',
  http3Support: false,
  endpoint: `${nodeId}:1`,
  metadataVersion: 1,
  labels: { httpEndpoint: `${nodeId}:8080` },
});

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('createShardControl on a real etcd', { skip: skipWithoutEtcd }, () => {
  let local: LocalEtcd | undefined;
  const controls: ShardControl[] = [];

  before(async () => {
    local = await startLocalEtcd();
  });

  after(() => {
    for (const c of controls) c.stop();
    local?.stop();
  });

  function node(nodeId: string, leading: boolean, defect = '') {
    const config = loadConfig({
      RELAY_NODE_ID: nodeId,
      RELAY_ETCD_ENDPOINTS: local!.endpoint,
      RELAY_ELECTION_INTERVAL_MS: '20',
      RELAY_SHARD_MAP_POLL_MS: '20',
      RELAY_SHARD_IDS: 's0,s1,s2,s3,s4,s5,s6,s7',
      RELAY_DEFECT: defect,
    });
    const table = new MembershipTable(meta(nodeId), { suspicionMs: 5000, leftMs: 11000 });
    for (const peer of ['a', 'b', 'c']) if (peer !== nodeId) table.recordDirect(meta(peer), Date.now());
    const handovers: unknown[] = [];
    const control = createShardControl({
      config,
      table,
      metrics: new RelayMetrics(),
      log: quiet,
      state: new NodeState({ enrollment: false, etcd: true, etcdStaleMs: 3000 }),
      etcd: new EtcdClient({ endpoints: [local!.endpoint] }),
      leaderId: () => (leading ? nodeId : 'a'),
      call: async (_node, _method, path, body) => {
        handovers.push(body);
        return { status: path.endsWith('handover') ? 200 : 503, body: {} };
      },
    });
    controls.push(control);
    return { control, handovers };
  }

  test('leader publishes, followers follow, the defective node stays on its first version', async () => {
    const stale = node('c', false, 'stale-shard-map');
    stale.control.start();
    const leader = node('a', true);
    leader.control.start();
    await until(() => stale.control.view.current() !== undefined);
    assert.equal(stale.control.view.current()?.version, 1);
    const follower = node('b', false);
    follower.control.start();
    await until(() => follower.control.view.current()?.version === 1);
    const v1 = follower.control.view.current()!;
    assert.ok(
      v1.records.every((r) => ['a', 'b', 'c'].includes(r.ownerNodeId)),
      'placed on the eligible nodes (a and its Alive peers b, c)',
    );

    const record = v1.records.find((r) => r.ownerNodeId === 'b')!;
    const result = await leader.control.leader!.rebalance(record.shardId, 'a');
    assert.equal(result.version, 2);
    assert.deepEqual(leader.handovers, [{ namespace: 'mesh.control', shardId: record.shardId, to: 'a', fenceToken: 2, ticket: 'rebalance-2' }]);
    await until(() => follower.control.view.current()?.version === 2);
    assert.equal(follower.control.view.record(record.shardId)?.ownerNodeId, 'a');
    assert.equal(follower.control.view.record(record.shardId)?.fenceToken, 2);
    await sleep(100);
    assert.equal(stale.control.view.current()?.version, 1, 'stale-shard-map: still the first version');
    assert.equal((await stale.control.view.refresh())?.version, 1);
    assert.equal((await follower.control.view.refresh())?.version, 2);

    const history = await leader.control.store!.history(1, 2);
    assert.deepEqual(
      history.map((h) => h.version),
      [1, 2],
    );
  });
});
