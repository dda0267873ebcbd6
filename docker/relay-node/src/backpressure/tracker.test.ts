import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxLevel, PressureTracker } from './tracker';

const s0 = { scope: 'shard', shardId: 's0' } as const;
const s1 = { scope: 'shard', shardId: 's1' } as const;
const node = { scope: 'node' } as const;

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test('a refusal saturates at once and holds until 2 s of calm; each refusal restarts the calm', () => {
  const c = clock();
  const tracker = new PressureTracker(c.now);
  assert.equal(tracker.level(s0), 'ok');
  tracker.rejected(s0);
  assert.equal(tracker.level(s0), 'saturated');
  c.advance(1500);
  tracker.rejected(s0);
  c.advance(1999);
  assert.equal(tracker.level(s0), 'saturated');
  c.advance(1);
  assert.equal(tracker.level(s0), 'ok');
});

test('a wait of half a second of budget turns elevated on; a shorter wait keeps it on but does not start it', () => {
  const c = clock();
  const tracker = new PressureTracker(c.now);
  tracker.waited(s0, 300); // 30% of budget queued: below the entry threshold
  assert.equal(tracker.level(s0), 'ok');
  tracker.waited(s0, 500);
  assert.equal(tracker.level(s0), 'elevated');
  // Hysteresis band: 250..500 ms waits keep it elevated, below 250 ms they count as calm.
  for (let i = 0; i < 5; i += 1) {
    c.advance(1500);
    tracker.waited(s0, 300);
    assert.equal(tracker.level(s0), 'elevated');
  }
  c.advance(1500);
  tracker.waited(s0, 200);
  c.advance(499);
  assert.equal(tracker.level(s0), 'elevated');
  c.advance(1);
  assert.equal(tracker.level(s0), 'ok');
  tracker.waited(s0, 300); // calm again: the band does not re-enter
  assert.equal(tracker.level(s0), 'ok');
});

test('saturated falls back to elevated while calls keep queueing, then to ok', () => {
  const c = clock();
  const tracker = new PressureTracker(c.now);
  tracker.rejected(s0);
  c.advance(1000);
  tracker.waited(s0, 800);
  c.advance(1000);
  assert.equal(tracker.level(s0), 'elevated');
  c.advance(1000);
  assert.equal(tracker.level(s0), 'ok');
});

test('state: node and shard scopes apart, overall level, sorted shards, one `since` per episode', () => {
  const c = clock();
  const tracker = new PressureTracker(c.now);
  assert.deepEqual(tracker.state(), { level: 'ok', node: 'ok', shards: [], shardLevels: {}, since: undefined });
  const start = c.now();
  tracker.waited(s1, 600);
  c.advance(100);
  tracker.rejected(s0);
  c.advance(100);
  tracker.waited(node, 900);
  assert.deepEqual(tracker.state(), {
    level: 'saturated',
    node: 'elevated',
    shards: ['s0', 's1'],
    shardLevels: { s0: 'saturated', s1: 'elevated' },
    since: start,
  });
  c.advance(1850); // s1 has been calm for 2050 ms; s0 (1950 ms) and the node (1850 ms) not yet
  assert.deepEqual(tracker.state(), { level: 'saturated', node: 'elevated', shards: ['s0'], shardLevels: { s0: 'saturated' }, since: start });
  c.advance(200);
  assert.deepEqual(tracker.state(), { level: 'ok', node: 'ok', shards: [], shardLevels: {}, since: undefined });
  c.advance(10);
  tracker.rejected(node);
  assert.deepEqual(tracker.state(), { level: 'saturated', node: 'saturated', shards: [], shardLevels: {}, since: c.now() });
});

test('a signal after calm starts a new episode even when nobody read the state in between', () => {
  const c = clock();
  const tracker = new PressureTracker(c.now);
  tracker.rejected(s0);
  c.advance(5000);
  tracker.rejected(s0);
  assert.equal(tracker.state().since, c.now());
});

test('levels order ok < elevated < saturated', () => {
  assert.equal(maxLevel('ok', 'elevated'), 'elevated');
  assert.equal(maxLevel('saturated', 'elevated'), 'saturated');
  assert.equal(maxLevel('ok', 'ok'), 'ok');
});
