import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../clock';
import { ChaosParamsError, clockSkewHook, oneShot } from './chaos-hooks';

test('clock-skew sets offset and drift, reports them, and stop ends them', () => {
  const clock = new Clock(
    () => 0,
    () => 0,
  );
  const hook = clockSkewHook(clock);
  const started = hook.start({ offsetMs: -20_000, drift: -0.05 });
  assert.equal(started.acted, true);
  assert.deepEqual([started.offsetMs, started.drift], [-20_000, -0.05]);
  assert.equal(clock.now(), -20_000);
  const stopped = hook.stop!();
  assert.deepEqual([stopped.acted, stopped.offsetMs, stopped.drift], [true, 0, 0]);
  assert.equal(hook.stop!().acted, false, 'a second stop has nothing to undo');
});

test('clock-skew refuses unknown or out-of-range parameters, naming them', () => {
  const hook = clockSkewHook(new Clock());
  assert.throws(
    () => hook.start({ offset: 5 }),
    (e: Error) => e instanceof ChaosParamsError && /unknown parameter\(s\) offset; known: offsetMs, drift/.test(e.message),
  );
  assert.throws(() => hook.start({ offsetMs: '5s' }), /offsetMs must be a number/);
  assert.throws(() => hook.start({ drift: 1.5 }), /drift must be a rate between -1 and 1/);
});

test('a one-shot hook acts on start and never on stop', () => {
  let acted = 0;
  const hook = oneShot(() => ++acted > 0);
  assert.equal(hook.start({}).acted, true);
  assert.equal(hook.stop, undefined);
  assert.equal(acted, 1);
});
