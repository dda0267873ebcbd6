import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PressureLabel } from './label';
import { IngressThrottle, pressureForCall, retryAfterSeconds, type OwnerView } from './throttle';

const SATURATED_S0: PressureLabel = { level: 'saturated', node: 'ok', shards: ['s0'], since: '2026-01-01T00:00:00.000Z', retryAfterMs: 2000 };

function owner(pressure: PressureLabel | undefined, overrides: Partial<OwnerView> = {}): OwnerView {
  return { nodeId: 'east-1', region: 'east', status: 'Alive', pressure, ...overrides };
}

test('the rule: another region, Alive, and the shard listed or the node saturated', () => {
  assert.deepEqual(pressureForCall('west', owner(SATURATED_S0), 's0'), { scope: 'shard', level: 'saturated', retryAfterMs: 2000 });
  assert.equal(pressureForCall('west', owner(SATURATED_S0), 's1'), undefined, 'another shard of the owner');
  assert.equal(pressureForCall('east', owner(SATURATED_S0), 's0'), undefined, "same region: the owner's own budget decides");
  assert.equal(pressureForCall('west', owner(SATURATED_S0, { status: 'Suspect' }), 's0'), undefined, 'stale news of a suspect owner');
  assert.equal(pressureForCall('west', owner(undefined), 's0'), undefined);
  assert.equal(pressureForCall('west', undefined, 's0'), undefined, 'unknown owner');
  const nodeSaturated: PressureLabel = { ...SATURATED_S0, node: 'saturated', shards: [] };
  assert.deepEqual(pressureForCall('west', owner(nodeSaturated), 's9'), { scope: 'node', level: 'saturated', retryAfterMs: 2000 });
  const nodeElevated: PressureLabel = { ...SATURATED_S0, level: 'elevated', node: 'elevated', shards: [] };
  assert.equal(pressureForCall('west', owner(nodeElevated), 's9'), undefined, 'an elevated node budget alone does not shed');
  const elevatedShard: PressureLabel = { ...SATURATED_S0, level: 'elevated' };
  assert.deepEqual(pressureForCall('west', owner(elevatedShard), 's0'), { scope: 'shard', level: 'elevated', retryAfterMs: 2000 });
});

test('shedding admits 1 in 4 calls for a saturated owner, 1 in 2 for an elevated one, and restarts after the pressure clears', () => {
  const throttle = new IngressThrottle();
  const pattern = (view: OwnerView, n: number, shard = 's0'): string =>
    Array.from({ length: n }, () => (throttle.decide('west', view, shard).admit ? 'A' : 'x')).join('');
  assert.equal(pattern(owner(SATURATED_S0), 9), 'AxxxAxxxA');
  assert.equal(pattern(owner(undefined), 3), 'AAA');
  assert.equal(pattern(owner({ ...SATURATED_S0, level: 'elevated' }), 5), 'AxAxA');
  // Counts are per (owner, shard).
  const both: PressureLabel = { ...SATURATED_S0, shards: ['s0', 's1'] };
  assert.equal(pattern(owner(both), 2, 's1'), 'Ax');
  const refused = throttle.decide('west', owner(SATURATED_S0), 's0');
  assert.equal(refused.admit, false);
  assert.deepEqual(refused.pressure, { scope: 'shard', level: 'saturated', retryAfterMs: 2000 });
});

test('Retry-After is whole seconds, at least 1', () => {
  assert.deepEqual([0, 1, 999, 1000, 1001, 2000].map(retryAfterSeconds), [1, 1, 1, 1, 2, 2]);
});
