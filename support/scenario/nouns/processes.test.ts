// ProcessFaults with fake node handles: what the narrow dependencies buy (no Docker, no World).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Duration } from '../../duration';
import type { ClusterNodes } from '../nodes';
import { testContext } from '../test-context';
import { ProcessFaults } from './processes';

function fakeCluster(ids: string[]) {
  const calls: string[] = [];
  const up = new Set(ids);
  const handle = (id: string) => ({
    id,
    kill: async () => void (calls.push(`kill ${id}`), up.delete(id)),
    start: async () => void (calls.push(`start ${id}`), up.add(id)),
    pause: async () => void calls.push(`pause ${id}`),
    unpause: async () => void calls.push(`unpause ${id}`),
    terminate: async () => void (calls.push(`terminate ${id}`), up.delete(id)),
    readiness: async () => ({ status: up.has(id) ? 200 : 503, body: { issues: [] } }),
  });
  const handles = new Map(ids.map((id) => [id, handle(id)]));
  const nodes = { cluster: { node: (id: string) => handles.get(id)!, relayNodes: [...handles.values()] } } as unknown as ClusterNodes;
  return { nodes, calls };
}

const context = testContext;

test('a crash holds its node down until restartDown heals it and the node answers ready', async () => {
  const ctx = context();
  const { nodes, calls } = fakeCluster(['n1', 'n2']);
  const processes = new ProcessFaults(ctx, nodes);
  await processes.crash('n1');
  assert.deepEqual([...processes.heldDown()], ['n1']);
  assert.equal(processes.isDown('n1'), true);
  assert.equal(ctx.faults.all[0]!.target, 'n1');
  await processes.restartDown(new Duration(1_000));
  assert.deepEqual([...processes.heldDown()], []);
  assert.equal(processes.isDown('n1'), false);
  assert.deepEqual(calls, ['kill n1', 'start n1']);
  assert.equal(ctx.faults.all[0]!.healedBy, 'scenario');
});

test('a pause holds its node down for its window only, and heals itself', async () => {
  const ctx = context();
  const { nodes, calls } = fakeCluster(['n1']);
  const processes = new ProcessFaults(ctx, nodes);
  await processes.pause('n1', new Duration(20));
  assert.deepEqual([...processes.heldDown()], ['n1']);
  assert.equal(processes.isDown('n1'), false, 'a pause is not a crash: restartDown leaves it to its window');
  await processes.healed();
  assert.deepEqual([...processes.heldDown()], []);
  assert.deepEqual(calls, ['pause n1', 'unpause n1']);
  assert.equal(ctx.faults.all[0]!.healedBy, 'deadline');
});

test('"down" is read from the fault log: a graceful stop is down until restarted, a bounded crash never was', async () => {
  const ctx = context();
  const { nodes, calls } = fakeCluster(['n1', 'n2']);
  const processes = new ProcessFaults(ctx, nodes);
  await processes.shutDownGracefully('n1');
  await processes.crashFor('n2', new Duration(20));
  assert.deepEqual([processes.isDown('n1'), processes.isDown('n2')], [true, false]);
  assert.deepEqual([...processes.heldDown()].sort(), ['n1', 'n2']);
  assert.deepEqual(
    ctx.faults.all.map((r) => [r.name, r.openEnded]),
    [
      ['graceful stop', true],
      ['crash', false],
    ],
  );
  await processes.restartDown(new Duration(1_000));
  await processes.healed();
  assert.deepEqual([processes.isDown('n1'), [...processes.heldDown()]], [false, []]);
  assert.deepEqual(calls.sort(), ['kill n2', 'start n1', 'start n2', 'terminate n1']);
});
