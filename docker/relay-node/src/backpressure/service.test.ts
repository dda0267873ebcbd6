// The Backpressure service with an injected clock and budgets that never queue (so no real waits).
import { type DefectName, seeded } from '../defects';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config';
import { isDefectName } from '../defects';
import { MembershipTable } from '../gossip/membership';
import { CAPABILITIES } from '../http/introspect';
import type { MemberMetadata } from '../gossip/types';
import { createLogger } from '../log';
import { RelayMetrics } from '../metrics';
import { ShardBudget } from '../shards/data/budget';
import { decodePressureLabel, encodePressureLabel, PRESSURE_LABEL } from './label';
import { Backpressure } from './service';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function meta(nodeId: string, region: string, labels: Record<string, string> = {}, metadataVersion = 1): MemberMetadata {
  return { nodeId, role: '', clusterId: 'test', region, meshVersion: '0.1.0', http3Support: false, endpoint: `${nodeId}:17421`, metadataVersion, labels };
}

function setup(options: { nodeId?: string; region?: string; shardQps?: number; nodeQps?: number; defects?: DefectName[]; leader?: boolean } = {}) {
  let now = T0;
  const clock = (): number => now;
  const table = new MembershipTable(meta(options.nodeId ?? 'east-1', options.region ?? 'east'), { suspicionMs: 60_000, leftMs: 120_000 });
  const metrics = new RelayMetrics();
  const shardBudget = new ShardBudget(options.shardQps ?? 1, clock, 0);
  const pressure = new Backpressure({
    nodeId: options.nodeId ?? 'east-1',
    region: options.region ?? 'east',
    shardBudget,
    nodeQps: options.nodeQps ?? 0,
    table,
    metrics,
    log: createLogger({}, 'error', () => undefined),
    defects: seeded(...(options.defects ?? [])),
    isLeader: () => options.leader ?? false,
    now: clock,
    maxQueueMs: 0,
  });
  return { table, metrics, shardBudget, pressure, advance: (ms: number) => void (now += ms), now: clock };
}

/** The value of one series in Prometheus text, whatever the label order. */
async function sample(metrics: RelayMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await metrics.registry.render();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => pairs[k] === v) && Object.keys(pairs).length === Object.keys(labels).length) return Number(match[3]);
  }
  return undefined;
}

test('a shard budget refusal answers the shard scope, publishes the pressure once, and clears it after 2 s of calm', async () => {
  const { table, metrics, pressure, advance, now } = setup();
  assert.equal(await pressure.admit('s0'), undefined);
  const refused = await pressure.admit('s0');
  assert.deepEqual({ ...refused, message: '' }, { scope: 'shard', shardId: 's0', nodeId: 'east-1', region: 'east', retryAfterS: 1, message: '' });
  assert.match(refused?.message ?? '', /s0 is over its budget of 1 calls\/s/);
  assert.equal(table.localMetadata.metadataVersion, 2);
  assert.deepEqual(decodePressureLabel(table.localMetadata.labels[PRESSURE_LABEL]), {
    level: 'saturated',
    node: 'ok',
    shards: ['s0'],
    since: new Date(now()).toISOString(),
    retryAfterMs: 2000,
  });
  advance(500);
  assert.ok(await pressure.admit('s0'));
  assert.equal(table.localMetadata.metadataVersion, 2, 'an unchanged pressure is not republished');

  advance(1999);
  pressure.tick();
  assert.equal(table.localMetadata.metadataVersion, 2);
  advance(1);
  pressure.tick();
  assert.equal(table.localMetadata.labels[PRESSURE_LABEL], undefined);
  assert.equal(table.localMetadata.metadataVersion, 3);
  assert.equal(await sample(metrics, 'mesh_backpressure_rejections_total', { mesh_scope: 'shard', mesh_region: 'east' }), 2);
  assert.equal(await sample(metrics, 'mesh_backpressure_rejections_total', { mesh_scope: 'node', mesh_region: 'east' }), 0);
  assert.equal(await sample(metrics, 'mesh_backpressure_transitions_total', { mesh_level: 'saturated', mesh_region: 'east' }), 1);
  assert.equal(await sample(metrics, 'mesh_backpressure_transitions_total', { mesh_level: 'ok', mesh_region: 'east' }), 1);
  assert.equal(await sample(metrics, 'mesh_backpressure_transitions_total', { mesh_level: 'elevated', mesh_region: 'east' }), 0);
});

test("a node budget refusal answers the node scope and gives the shard's token back", async () => {
  const { table, shardBudget, pressure } = setup({ shardQps: 3, nodeQps: 1 });
  assert.equal(await pressure.admit('s0'), undefined);
  const refused = await pressure.admit('s1');
  assert.equal(refused?.scope, 'node');
  assert.equal(refused?.shardId, 's1');
  assert.match(refused?.message ?? '', /east-1 is over its node budget of 1 calls\/s/);
  assert.deepEqual(
    [0, 1, 2, 3].map(() => shardBudget.reserve('s1')),
    [0, 0, 0, undefined],
    's1 still has its full burst',
  );
  const label = decodePressureLabel(table.localMetadata.labels[PRESSURE_LABEL]);
  assert.deepEqual([label?.level, label?.node, label?.shards], ['saturated', 'saturated', []]);
});

test('pressure-not-propagated: refusals and local state as usual, nothing in gossip metadata', async () => {
  const { table, pressure } = setup({ defects: ['pressure-not-propagated'] });
  await pressure.admit('s0');
  assert.ok(await pressure.admit('s0'));
  assert.equal(table.localMetadata.labels[PRESSURE_LABEL], undefined);
  assert.equal(table.localMetadata.metadataVersion, 1);
  const local = pressure.local();
  assert.deepEqual([local.level, local.shards, local.published], ['saturated', ['s0'], false]);
  assert.equal(pressure.members().find((m) => m.nodeId === 'east-1')?.level, 'ok', 'what others can see of it');
});

test('ingress: a pressured owner in another region is shed 3 calls in 4 until its label clears', async () => {
  const { table, metrics, pressure } = setup({ nodeId: 'west-1', region: 'west' });
  const label = encodePressureLabel({ level: 'saturated', node: 'ok', shards: ['s0'], since: new Date(T0).toISOString(), retryAfterMs: 2000 });
  table.recordDirect(meta('east-1', 'east', { [PRESSURE_LABEL]: label }, 2), T0);
  table.recordDirect(meta('west-2', 'west', { [PRESSURE_LABEL]: label }, 2), T0);
  const decisions = Array.from({ length: 8 }, () => pressure.ingress('s0', 'east-1'));
  assert.deepEqual(decisions.map((d) => (d ? 'x' : 'A')).join(''), 'AxxxAxxx');
  assert.deepEqual(decisions[1] && { ...decisions[1], message: '' }, {
    scope: 'shard',
    shardId: 's0',
    nodeId: 'east-1',
    region: 'east',
    retryAfterS: 2,
    message: '',
    throttledBy: 'west-1',
  });
  assert.equal(pressure.ingress('s1', 'east-1'), undefined, 'another shard');
  assert.equal(pressure.ingress('s0', 'west-2'), undefined, "an owner in this node's region");
  assert.equal(pressure.ingress('s0', 'nobody'), undefined);
  assert.equal(await sample(metrics, 'mesh_backpressure_throttled_total', { mesh_origin_region: 'east', mesh_region: 'west' }), 6);
  table.recordDirect(meta('east-1', 'east', {}, 3), T0 + 3000);
  assert.deepEqual(
    Array.from({ length: 4 }, () => pressure.ingress('s0', 'east-1')),
    [undefined, undefined, undefined, undefined],
  );

  const view = pressure.members();
  assert.deepEqual(
    view.map((m) => [m.nodeId, m.region, m.level, m.shards]),
    [
      ['east-1', 'east', 'ok', []],
      ['west-1', 'west', 'ok', []],
      ['west-2', 'west', 'saturated', ['s0']],
    ],
  );
});

test('the global-control holder records every episode it sees; other nodes report none', async () => {
  const leader = setup({ leader: true });
  await leader.pressure.admit('s0');
  await leader.pressure.admit('s0');
  const label = encodePressureLabel({ level: 'elevated', node: 'ok', shards: ['s3'], since: new Date(T0 - 500).toISOString(), retryAfterMs: 2000 });
  leader.table.recordDirect(meta('west-1', 'west', { [PRESSURE_LABEL]: label }, 2), T0);
  leader.advance(100);
  let report = leader.pressure.report();
  assert.deepEqual(
    report.recorded?.map((e) => [e.nodeId, e.region, e.level, e.shards, e.firstSeenAt, e.lastSeenAt, e.clearedAt]),
    [
      ['east-1', 'east', 'saturated', ['s0'], new Date(T0).toISOString(), new Date(T0 + 100).toISOString(), undefined],
      ['west-1', 'west', 'elevated', ['s3'], new Date(T0 + 100).toISOString(), new Date(T0 + 100).toISOString(), undefined],
    ],
  );
  leader.advance(2000);
  report = leader.pressure.report();
  assert.equal(report.local.level, 'ok');
  assert.deepEqual(
    report.recorded?.map((e) => [e.nodeId, e.clearedAt]),
    [
      ['east-1', new Date(T0 + 2100).toISOString()],
      ['west-1', undefined],
    ],
  );

  const other = setup();
  await other.pressure.admit('s0');
  await other.pressure.admit('s0');
  assert.equal('recorded' in other.pressure.report(), false);
});

test('RELAY_NODE_QPS_BUDGET is validated like the other budgets; the defect and the capability are registered', () => {
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n' }).nodeQpsBudget, 0);
  assert.equal(loadConfig({ RELAY_NODE_ID: 'n', RELAY_NODE_QPS_BUDGET: '150' }).nodeQpsBudget, 150);
  for (const bad of ['-1', '1.5', 'lots']) {
    assert.throws(
      () => loadConfig({ RELAY_NODE_ID: 'n', RELAY_NODE_QPS_BUDGET: bad }),
      (e: Error) => e instanceof ConfigError && e.message.includes('RELAY_NODE_QPS_BUDGET'),
    );
  }
  assert.ok(isDefectName('pressure-not-propagated'));
  assert.ok((CAPABILITIES as readonly string[]).includes('feature:mesh-backpressure'));
});

for (const defect of [false, true]) {
  test(`an owner out of node budget, seen from another region: ${defect ? 'pressure-label-omits-node-budget: published, never shed' : 'its calls are shed'}`, async () => {
    const owner = setup({ nodeId: 'west-1', region: 'west', shardQps: 100, nodeQps: 1, defects: defect ? ['pressure-label-omits-node-budget'] : [] });
    assert.equal(await owner.pressure.admit('s0'), undefined);
    assert.equal((await owner.pressure.admit('s1'))?.scope, 'node');
    const published = decodePressureLabel(owner.table.localMetadata.labels[PRESSURE_LABEL]);
    assert.deepEqual([published?.level, published?.node, published?.shards], ['saturated', defect ? 'ok' : 'saturated', []], 'published either way');

    const ingress = setup({ nodeId: 'east-1', region: 'east', leader: true });
    ingress.table.recordDirect(owner.table.localMetadata, T0);
    assert.equal(ingress.pressure.members().find((m) => m.nodeId === 'west-1')?.level, 'saturated', 'the leader sees (and records) it either way');
    const shed = Array.from({ length: 8 }, () => ingress.pressure.ingress('s0', 'west-1')).filter((d) => d !== undefined);
    assert.equal(shed.length, defect ? 0 : 6);
  });
}
