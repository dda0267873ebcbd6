// The network noun's splits are read from the fault log: no list of its own to fall out of step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNodes } from '../nodes';
import { testContext } from '../test-context';
import { NetworkChaos } from './network';
import type { Leadership } from './leadership';
import type { Members } from './members';
import type { ProcessFaults } from './processes';

function network() {
  const ctx = testContext();
  return { ctx, net: new NetworkChaos(ctx, {} as ClusterNodes, { onRestart: () => undefined } as unknown as ProcessFaults, {} as Leadership, {} as Members) };
}

const noop = async () => {};

test('partitions and bridges are splits, read from the nemesis ops of the history; one-way cuts, loss and node faults are not', async () => {
  const { ctx, net } = network();
  await ctx.faults.inject('partition', { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2', 'n3'] } }, noop, noop, 10_000);
  await ctx.faults.inject('one-way cut', { kind: 'groups', groups: { from: ['n2'], to: ['n3'] }, label: 'n2 → n3' }, noop, noop, 10_000);
  await ctx.faults.inject('bridge', { kind: 'groups', groups: { a: ['n1'], b: ['n3'] }, label: 'bridge n2 between a [n1] and b [n3]' }, noop, noop, 5_000);
  await ctx.faults.inject('crash', { kind: 'node', node: 'n1' }, noop, noop, 10_000);
  assert.deepEqual(
    net.splits.map((s) => [s.groups, s.endMs]),
    [
      [{ isolated: ['n1'], rest: ['n2', 'n3'] }, undefined],
      [{ a: ['n1'], b: ['n3'] }, undefined],
    ],
  );
  await ctx.faults.healAll();
  assert.ok(
    net.splits.every((s) => s.endMs !== undefined && s.endMs >= s.startMs),
    'a healed split has an end',
  );
});

test('a node is isolated now only while a partition naming it in its "isolated" group is open', async () => {
  const { ctx, net } = network();
  const cut = await ctx.faults.inject('partition', { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2'] } }, noop, noop, 10_000);
  assert.deepEqual([net.isolatedNow('n1'), net.isolatedNow('n2')], [true, false]);
  await cut.heal();
  assert.equal(net.isolatedNow('n1'), false);
});
