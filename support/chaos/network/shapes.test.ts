import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSpec, planPartition, PartitionSpecError, type PartitionPlan } from './plan';
import { bridge, majoritiesRing, viewsOf } from './shapes';
import type { PairsSpec } from './types';
import { member } from './test-members';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const members = [...ids(15).map((id, i) => member(id, i + 1)), member('etcd-1', 99)];

const pairs = (plan: PartitionPlan, expected: boolean) =>
  plan.expectations
    .filter((e) => e.expected === expected)
    .map((e) => `${e.from}>${e.to}`)
    .sort();
/** Both directions of each unordered pair, sorted like `pairs`. */
const both = (...unordered: string[]) => unordered.flatMap((p) => [p.replace('-', '>'), p.split('-').reverse().join('>')]).sort();
/** Who each node sees, from the plan's expectations (itself included): what the verification will check. */
const seenBy = (plan: PartitionPlan) => {
  const views = new Map<string, string[]>();
  for (const e of plan.expectations) {
    if (!views.has(e.from)) views.set(e.from, [e.from]);
    if (e.expected) views.get(e.from)!.push(e.to);
  }
  return Object.fromEntries([...views].map(([id, v]) => [id, v.sort().join(' ')]));
};

// ---- bridge ----

test('bridge of 3: the two ends are cut from each other, the middle node sees both', () => {
  const spec = bridge(['n1'], ['n3'], 'n2');
  assert.deepEqual(spec, { kind: 'pairs', cut: [['n1', 'n3']], nodes: ['n1', 'n2', 'n3'], label: 'bridge n2 between [n1] and [n3]' });
  const plan = planPartition(members, spec);
  assert.deepEqual(pairs(plan, false), both('n1-n3'));
  assert.deepEqual(pairs(plan, true), both('n1-n2', 'n2-n3'));
  // The bridge gets no rules; it is only verified.
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n1', 'n3'],
  );
  assert.deepEqual(seenBy(plan), { n1: 'n1 n2', n2: 'n1 n2 n3', n3: 'n2 n3' });
});

test('bridge of 5: [n1 n2] ✗ [n4 n5], n3 sees all; each side plus the bridge is a majority', () => {
  const plan = planPartition(members, bridge(['n1', 'n2'], ['n4', 'n5'], 'n3'));
  assert.deepEqual(pairs(plan, false), both('n1-n4', 'n1-n5', 'n2-n4', 'n2-n5'));
  assert.deepEqual(pairs(plan, true), both('n1-n2', 'n4-n5', 'n1-n3', 'n2-n3', 'n3-n4', 'n3-n5'));
  assert.deepEqual(seenBy(plan), { n1: 'n1 n2 n3', n2: 'n1 n2 n3', n3: 'n1 n2 n3 n4 n5', n4: 'n3 n4 n5', n5: 'n3 n4 n5' });
  assert.equal(describeSpec(plan.spec), 'bridge n3 between [n1, n2] and [n4, n5]');
});

test('bridge of 7: 3 + bridge + 3, every cross pair cut, every other pair connects', () => {
  const plan = planPartition(members, bridge(['n1', 'n2', 'n3'], ['n5', 'n6', 'n7'], 'n4'));
  const a = ['n1', 'n2', 'n3'];
  const b = ['n5', 'n6', 'n7'];
  assert.deepEqual(pairs(plan, false), both(...a.flatMap((x) => b.map((y) => `${x}-${y}`))));
  assert.deepEqual(pairs(plan, true), both('n1-n2', 'n1-n3', 'n2-n3', 'n5-n6', 'n5-n7', 'n6-n7', ...[...a, ...b].map((x) => `${x}-n4`)));
  assert.equal(plan.expectations.length, 7 * 6);
  assert.deepEqual(seenBy(plan), {
    n1: 'n1 n2 n3 n4',
    n2: 'n1 n2 n3 n4',
    n3: 'n1 n2 n3 n4',
    n4: 'n1 n2 n3 n4 n5 n6 n7',
    n5: 'n4 n5 n6 n7',
    n6: 'n4 n5 n6 n7',
    n7: 'n4 n5 n6 n7',
  });
  // Each side's nodes drop the other side's three, both chains.
  assert.equal(
    plan.containers
      .find((c) => c.member.id === 'n1')!
      .chains.map((c) => c.rules.length)
      .join(','),
    '3,3',
  );
});

test('bridge: empty sides, the bridge on a side, a node on both sides, duplicates are rejected', () => {
  assert.throws(
    () => bridge([], ['n2'], 'n3'),
    (e: Error) => e instanceof PartitionSpecError && /invalid bridge:\n {2}- side A names no node/.test(e.message),
  );
  assert.throws(() => bridge(['n1'], [], 'n3'), /side B names no node/);
  assert.throws(() => bridge(['n1', 'n3'], ['n2'], 'n3'), /the bridge "n3" cannot also be on side A: it must see both sides/);
  assert.throws(() => bridge(['n1', 'n2'], ['n2', 'n4'], 'n3'), /"n2" cannot be on both sides/);
  assert.throws(() => bridge(['n1', 'n1'], ['n2'], 'n3'), /side A lists "n1" more than once/);
  // Unknown ids are the planner's to reject, against the network's members.
  assert.throws(() => planPartition(members, bridge(['n1'], ['n2'], 'ghost')), /unknown node id "ghost"/);
});

// ---- majorities ring ----

test('majorities ring of 5: every node sees exactly 3 (itself and its two ring neighbours), all views differ', () => {
  const spec = majoritiesRing(ids(5));
  // The ring's chords: every pair two steps apart.
  assert.deepEqual(spec.cut, [
    ['n1', 'n3'],
    ['n1', 'n4'],
    ['n2', 'n4'],
    ['n2', 'n5'],
    ['n3', 'n5'],
  ]);
  const plan = planPartition(members, spec);
  assert.deepEqual(seenBy(plan), { n1: 'n1 n2 n5', n2: 'n1 n2 n3', n3: 'n2 n3 n4', n4: 'n3 n4 n5', n5: 'n1 n4 n5' });
  assert.deepEqual(pairs(plan, false), both('n1-n3', 'n1-n4', 'n2-n4', 'n2-n5', 'n3-n5'));
  assert.deepEqual(pairs(plan, true), both('n1-n2', 'n2-n3', 'n3-n4', 'n4-n5', 'n1-n5'));
  const views = Object.values(seenBy(plan));
  assert.ok(views.every((v) => v.split(' ').length === 3));
  assert.equal(new Set(views).size, 5);
});

test('majorities ring of 7: each node sees itself and two on each side (5 of 7), all views differ', () => {
  const plan = planPartition(members, majoritiesRing(ids(7)));
  assert.deepEqual(seenBy(plan), {
    n1: 'n1 n2 n3 n6 n7',
    n2: 'n1 n2 n3 n4 n7',
    n3: 'n1 n2 n3 n4 n5',
    n4: 'n2 n3 n4 n5 n6',
    n5: 'n3 n4 n5 n6 n7',
    n6: 'n1 n4 n5 n6 n7',
    n7: 'n1 n2 n5 n6 n7',
  });
  // Cut: every pair three steps apart round the ring.
  assert.deepEqual(pairs(plan, false), both('n1-n4', 'n1-n5', 'n2-n5', 'n2-n6', 'n3-n6', 'n3-n7', 'n4-n7'));
  assert.equal(pairs(plan, true).length, 7 * 6 - 14);
  assert.equal(new Set(Object.values(seenBy(plan))).size, 7);
});

test('majorities ring of 3: a line (a bridge of one per side), the only two-way shape where all three views differ', () => {
  const spec = majoritiesRing(['n1', 'n2', 'n3']);
  assert.deepEqual(spec.cut, [['n1', 'n3']]);
  const plan = planPartition(members, spec);
  assert.deepEqual(seenBy(plan), { n1: 'n1 n2', n2: 'n1 n2 n3', n3: 'n2 n3' });
  assert.deepEqual(pairs(plan, false), both('n1-n3'));
  assert.deepEqual(pairs(plan, true), both('n1-n2', 'n2-n3'));
});

test('majorities ring, 3 to 15 nodes: every view is a majority, no two alike, and seeing is mutual', () => {
  for (let n = 3; n <= 15; n++) {
    const spec = majoritiesRing(ids(n));
    const views = viewsOf(spec);
    const majority = Math.floor(n / 2) + 1;
    assert.equal(views.size, n, `n=${n}`);
    for (const [id, v] of views) {
      assert.ok(v.has(id), `n=${n}: ${id} sees itself`);
      assert.ok(v.size >= majority, `n=${n}: ${id} sees ${v.size} < ${majority}`);
      // At most one more than a majority (the odd-k widening), never the whole ring (but the middle of 3).
      assert.ok(v.size <= majority + 1 && (v.size < n || (n === 3 && id === 'n2')), `n=${n}: ${id} sees ${v.size}`);
      for (const o of v) assert.ok(views.get(o)!.has(id), `n=${n}: ${id} sees ${o} but not the other way`);
    }
    const keys = [...views.values()].map((v) => [...v].sort().join(' '));
    assert.equal(new Set(keys).size, n, `n=${n}: views alike`);
    // And the planner accepts it.
    assert.equal(planPartition(members, spec).expectations.length, n * (n - 1));
  }
});

test('majorities ring follows the order given: another order is another ring', () => {
  const a = viewsOf(majoritiesRing(['n1', 'n2', 'n3', 'n4', 'n5']));
  const b = viewsOf(majoritiesRing(['n1', 'n3', 'n5', 'n2', 'n4']));
  assert.deepEqual([...a.get('n1')!].sort(), ['n1', 'n2', 'n5']);
  assert.deepEqual([...b.get('n1')!].sort(), ['n1', 'n3', 'n4']);
  assert.match(majoritiesRing(ids(5)).label!, /^majorities ring of 5 \[n1 n2 n3 n4 n5\]: each sees itself and 1 on each side$/);
});

test('majorities ring: fewer than 3 nodes, or a node twice, is rejected', () => {
  assert.throws(
    () => majoritiesRing(['n1', 'n2']),
    (e: Error) => e instanceof PartitionSpecError && /needs at least 3 nodes; got 2 \(n1, n2\)/.test(e.message),
  );
  assert.throws(() => majoritiesRing([]), /needs at least 3 nodes; got 0$/);
  assert.throws(() => majoritiesRing(['n1', 'n2', 'n3', 'n2']), /"n2" listed more than once/);
});

test('viewsOf a hand-written pairs spec: named nodes minus those each is cut from', () => {
  const spec: PairsSpec = { kind: 'pairs', cut: [['a', 'b']], nodes: ['c'] };
  assert.deepEqual(Object.fromEntries([...viewsOf(spec)].map(([id, v]) => [id, [...v]])), { c: ['c', 'a', 'b'], a: ['c', 'a'], b: ['c', 'b'] });
});
