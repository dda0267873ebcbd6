import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from './clock';

/** A clock on hand-moved real time. */
function fakeClock() {
  const real = { wall: 1_000_000, mono: 500 };
  const clock = new Clock(
    () => real.wall,
    () => real.mono,
  );
  const advance = (ms: number) => {
    real.wall += ms;
    real.mono += ms;
  };
  return { clock, advance };
}

test('an offset moves the wall clock only', () => {
  const { clock } = fakeClock();
  clock.set({ offsetMs: -20_000, drift: 0 });
  assert.equal(clock.now(), 980_000);
  assert.equal(clock.monotonic(), 500);
});

test('drift changes the rate of both readings, and a reset steps the wall back to true time but never the monotonic', () => {
  const { clock, advance } = fakeClock();
  clock.set({ offsetMs: 0, drift: -0.1 });
  advance(10_000);
  assert.equal(clock.now(), 1_010_000 - 1_000);
  assert.equal(clock.monotonic(), 10_500 - 1_000);
  clock.set({ offsetMs: 0, drift: 0.1 }); // a new rate keeps what the old one added
  advance(1_000);
  assert.equal(clock.monotonic(), 11_500 - 1_000 + 100);
  const before = clock.monotonic();
  clock.reset();
  assert.equal(clock.now(), 1_011_000);
  assert.equal(clock.monotonic(), before, 'the monotonic clock does not step on reset');
  advance(1_000);
  assert.equal(clock.monotonic(), before + 1_000);
});
