import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { clock } from '../clock';
import { NO_DEFECTS, seeded } from '../defects';
import { leaseClock } from './lease-clock';

afterEach(() => clock.reset());

test('a deadline on the lease clock is not stretched by a step of the wall clock', () => {
  const lc = leaseClock(NO_DEFECTS);
  const deadline = lc.now() + 3_000;
  clock.set({ offsetMs: -20_000, drift: 0 });
  assert.ok(deadline - lc.now() <= 3_000, 'still at most 3 s away');
  assert.ok(Math.abs(lc.toWall(deadline) - (clock.now() + 3_000)) < 50, 'shown as a wall-clock instant on the stepped clock');
});

test('seeded lease-expiry-by-wall-clock: the same step stretches the deadline by 20 s', () => {
  const lc = leaseClock(seeded('lease-expiry-by-wall-clock'));
  const deadline = lc.now() + 3_000;
  clock.set({ offsetMs: -20_000, drift: 0 });
  assert.ok(deadline - lc.now() >= 22_900);
});
