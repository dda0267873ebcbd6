import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QpsMeter, ShardBudget } from './budget';

test('token bucket: a second of burst, then queued waits up to 2 s, then refusals', () => {
  let now = 1_000_000;
  const budget = new ShardBudget(5, () => now);
  const waits = Array.from({ length: 17 }, () => budget.reserve('s'));
  assert.deepEqual(waits.slice(0, 5), [0, 0, 0, 0, 0]);
  assert.deepEqual(
    waits.slice(5, 15).map((w) => Math.round(w ?? -1)),
    [200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000],
  );
  assert.deepEqual(waits.slice(15), [undefined, undefined]);
  // Other shards have their own bucket; time refills.
  assert.equal(budget.reserve('t'), 0);
  now += 3000;
  assert.equal(budget.reserve('s'), 0);
});

test('budget 0 is off', () => {
  const budget = new ShardBudget(0);
  for (let i = 0; i < 1000; i += 1) assert.equal(budget.reserve('s'), 0);
});

test('the QPS meter counts calls over the last second', () => {
  let now = 0;
  const meter = new QpsMeter(() => now);
  for (let i = 0; i < 10; i += 1) {
    meter.mark('s');
    now += 50;
  }
  assert.equal(meter.rate('s'), 10);
  now += 700;
  assert.equal(meter.rate('s'), 5);
  assert.equal(meter.rate('other'), 0);
});
