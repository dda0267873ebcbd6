import { test } from 'node:test';
import { seeded } from '../defects';
import assert from 'node:assert/strict';
import { MembershipTable, statusForAge } from './membership';
import type { MemberMetadata, MemberSnapshot } from './types';

const TIMERS = { suspicionMs: 5000, leftMs: 11000 };
const T0 = Date.parse('2025-11-21T10:00:00.000Z');

function meta(nodeId: string, overrides: Partial<MemberMetadata> = {}): MemberMetadata {
  return {
    nodeId,
    role: 'replica',
    clusterId: 'omnirelay',
    region: 'east',
    meshVersion: '0.1.0',
    http3Support: false,
    endpoint: `${nodeId}:17421`,
    metadataVersion: 1,
    labels: {},
    ...overrides,
  };
}

function snapshot(nodeId: string, lastSeenMs: number | undefined, overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return {
    nodeId,
    status: 'Alive',
    ...(lastSeenMs !== undefined ? { lastSeen: new Date(lastSeenMs).toISOString() } : {}),
    metadata: meta(nodeId),
    ...overrides,
  };
}

const table = (): MembershipTable => new MembershipTable(meta('a'), TIMERS);

test('status follows the age of the last news', () => {
  assert.equal(statusForAge(0, TIMERS), 'Alive');
  assert.equal(statusForAge(4999, TIMERS), 'Alive');
  assert.equal(statusForAge(5000, TIMERS), 'Suspect');
  assert.equal(statusForAge(10999, TIMERS), 'Suspect');
  assert.equal(statusForAge(11000, TIMERS), 'Left');
});

test('a direct message marks the sender Alive and reports the join', () => {
  const t = table();
  const changes = t.recordDirect(meta('b'), T0, 1.5);
  assert.deepEqual(
    changes.map((c) => [c.nodeId, c.from, c.to]),
    [['b', undefined, 'Alive']],
  );
  const b = t.get('b');
  assert.equal(b?.status, 'Alive');
  assert.equal(b?.rttMs, 1.5);
  assert.equal(b?.lastSeen, new Date(T0).toISOString());
});

test('members go Suspect after the suspicion timeout and Left after the left timeout', () => {
  const t = table();
  t.recordDirect(meta('b'), T0);
  assert.deepEqual(t.sweep(T0 + 4000), []);
  assert.deepEqual(
    t.sweep(T0 + 5000).map((c) => [c.from, c.to]),
    [['Alive', 'Suspect']],
  );
  assert.deepEqual(
    t.sweep(T0 + 11000).map((c) => [c.from, c.to]),
    [['Suspect', 'Left']],
  );
  assert.deepEqual(t.sweep(T0 + 20000), []);
});

test('a direct message brings a Left member back to Alive', () => {
  const t = table();
  t.recordDirect(meta('b'), T0);
  t.sweep(T0 + 12000);
  assert.equal(t.get('b')?.status, 'Left');
  const changes = t.recordDirect(meta('b'), T0 + 13000);
  assert.deepEqual(
    changes.map((c) => [c.from, c.to]),
    [['Left', 'Alive']],
  );
});

test('a newer third-party lastSeen refreshes a member; an older one does not', () => {
  const t = table();
  t.recordDirect(meta('c'), T0);
  // b reports c seen 3 s later: c stays Alive at T0 + 6 s.
  t.merge([snapshot('c', T0 + 3000)], T0 + 3500);
  assert.deepEqual(t.sweep(T0 + 6000), []);
  // An older report does not move lastSeen back or forward.
  t.merge([snapshot('c', T0 + 1000)], T0 + 7000);
  assert.equal(t.get('c')?.lastSeen, new Date(T0 + 3000).toISOString());
  assert.deepEqual(
    t.sweep(T0 + 8000).map((c) => c.to),
    ['Suspect'],
  );
});

test("a third party's status field cannot bury or resurrect a member", () => {
  const t = table();
  t.recordDirect(meta('c'), T0);
  t.merge([snapshot('c', T0 - 60_000, { status: 'Left' })], T0 + 100);
  assert.equal(t.get('c')?.status, 'Alive');
  t.sweep(T0 + 12_000);
  t.merge([snapshot('c', T0 - 1000, { status: 'Alive' })], T0 + 12_100);
  assert.equal(t.get('c')?.status, 'Left');
});

test('a member first heard of through a third party gets its status from the reported lastSeen', () => {
  const t = table();
  t.merge([snapshot('fresh', T0 - 1000), snapshot('stale', T0 - 6000), snapshot('gone', T0 - 60_000), snapshot('unstamped', undefined)], T0);
  assert.deepEqual(
    t.peers().map((m) => [m.nodeId, m.status]),
    [
      ['fresh', 'Alive'],
      ['gone', 'Left'],
      ['stale', 'Suspect'],
      ['unstamped', 'Alive'],
    ],
  );
});

test('timestamps from a clock running ahead are clamped to ours', () => {
  const t = table();
  t.merge([snapshot('b', T0 + 60_000)], T0);
  assert.equal(t.get('b')?.lastSeen, new Date(T0).toISOString());
  assert.equal(t.sweep(T0 + 5000)[0]?.to, 'Suspect');
});

test('a higher metadataVersion wins even without a newer lastSeen', () => {
  const t = table();
  t.recordDirect(meta('b', { role: 'replica' }), T0);
  t.merge([snapshot('b', T0 - 1000, { metadata: meta('b', { role: 'regional', metadataVersion: 2 }) })], T0 + 10);
  assert.equal(t.get('b')?.metadata.role, 'regional');
  // A lower version never replaces it, even with a newer lastSeen.
  t.merge([snapshot('b', T0 + 500, { metadata: meta('b', { role: 'stale', metadataVersion: 1 }) })], T0 + 600);
  assert.equal(t.get('b')?.metadata.role, 'regional');
  assert.equal(t.get('b')?.lastSeen, new Date(T0 + 500).toISOString());
});

test("a direct message's metadata always wins (a restarted node starts again at version 1)", () => {
  const t = table();
  t.recordDirect(meta('b', { metadataVersion: 5, role: 'old' }), T0);
  t.recordDirect(meta('b', { metadataVersion: 1, role: 'new' }), T0 + 1000);
  assert.equal(t.get('b')?.metadata.role, 'new');
});

test('entries about this node are ignored', () => {
  const t = table();
  assert.deepEqual(t.merge([snapshot('a', T0, { status: 'Left' })], T0), []);
  assert.deepEqual(t.recordDirect(meta('a'), T0), []);
  assert.deepEqual(t.peers(), []);
});

test('envelopes carry this node first, stamped now, and at most 32 members', () => {
  const t = table();
  for (let i = 0; i < 40; i++) t.recordDirect(meta(`n${String(i).padStart(2, '0')}`), T0 + i);
  const members = t.envelopeMembers(T0 + 100);
  assert.equal(members.length, 32);
  assert.equal(members[0]?.nodeId, 'a');
  assert.equal(members[0]?.lastSeen, new Date(T0 + 100).toISOString());
  // The freshest members are the ones sent.
  assert.equal(members[1]?.nodeId, 'n39');
  assert.ok(!members.some((m) => m.nodeId === 'n00'));
});

test('status counts include this node as Alive', () => {
  const t = table();
  t.recordDirect(meta('b'), T0);
  t.recordDirect(meta('c'), T0 - 6000);
  t.sweep(T0);
  assert.deepEqual(t.statusCounts(), { Alive: 2, Suspect: 1, Left: 0 });
  assert.deepEqual(
    t.reachableMembers().map((m) => m.nodeId),
    ['b', 'c'],
  );
});

test('updating local metadata bumps its version', () => {
  const t = table();
  const updated = t.updateLocalMetadata((m) => ({ ...m, labels: { zone: 'z1' } }));
  assert.equal(updated.metadataVersion, 2);
  assert.deepEqual(t.localMetadata.labels, { zone: 'z1' });
});

test('gossip-left-forever: a member marked Left stays Left whatever news arrives; without it, news revives it', () => {
  for (const leftIsFinal of [false, true]) {
    const table = new MembershipTable(meta('a'), { suspicionMs: 100, leftMs: 200 }, leftIsFinal ? seeded('gossip-left-forever') : seeded());
    table.recordDirect(meta('b'), 0);
    table.sweep(500);
    assert.equal(table.get('b')?.status, 'Left');
    table.recordDirect(meta('b'), 600);
    table.merge([{ nodeId: 'b', status: 'Alive', lastSeen: new Date(600).toISOString(), metadata: meta('b') }], 600);
    assert.equal(table.get('b')?.status, leftIsFinal ? 'Left' : 'Alive');
  }
});

test('drained-member-stays-suspect: a member last seen draining never becomes Left; without it, it does, and so does one not draining', () => {
  for (const staysSuspect of [false, true]) {
    const table = new MembershipTable(meta('a'), { suspicionMs: 100, leftMs: 200 }, staysSuspect ? seeded('drained-member-stays-suspect') : seeded());
    table.recordDirect(meta('b', { labels: { 'mesh.shards': 'draining' } }), 0);
    table.recordDirect(meta('c'), 0);
    table.sweep(150);
    assert.equal(table.get('b')?.status, 'Suspect');
    table.sweep(10_000);
    assert.equal(table.get('b')?.status, staysSuspect ? 'Suspect' : 'Left');
    assert.equal(table.get('c')?.status, 'Left');
  }
});
