import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timerTable } from './tables';

test('timer rows become overrides', () => {
  assert.deepEqual(timerTable([['leaseTtlMs', '8000'], ['electionWindowMs', '10_000']]), { leaseTtlMs: 8000, electionWindowMs: 10000 });
});

test('a bad row is named with its content', () => {
  assert.throws(() => timerTable([['leaseTTL', '8000']]), /row 1 \(\| leaseTTL \| 8000 \|\): unknown timer "leaseTTL"; timers: leaseTtlMs/);
  assert.throws(() => timerTable([['leaseTtlMs', '8 s']]), /"8 s" is not a whole number of milliseconds/);
  assert.throws(() => timerTable([['leaseTtlMs']]), /expected two cells/);
  assert.throws(() => timerTable([['leaseTtlMs', '1'], ['leaseTtlMs', '2']]), /row 2 .* set twice/);
});
