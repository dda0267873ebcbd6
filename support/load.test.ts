import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTRY_REGEXP, LOAD_REGEXP, entryOf, loadOf } from './load';

const load = (phrase: string) => {
  const m = new RegExp(`^(?:${LOAD_REGEXP.source})$`).exec(phrase);
  assert.ok(m, `"${phrase}" should match`);
  return loadOf(m[1], m[2], m[3], m[4]);
};
const entry = (phrase: string) => {
  const m = new RegExp(`^(?:${ENTRY_REGEXP.source})$`).exec(phrase);
  assert.ok(m, `"${phrase}" should match`);
  return entryOf(m[1], m[2]);
};

test('a load is a number of clients, a rate, or both', () => {
  assert.deepEqual(load('8 clients'), { clients: 8 });
  assert.deepEqual(load('8 clients at 50 calls per second'), { clients: 8, callsPerSecond: 50 });
  assert.deepEqual(load('50 calls per second'), { clients: 10, callsPerSecond: 50 });
  assert.deepEqual(load('3 calls per second'), { clients: 2, callsPerSecond: 3 });
});

test('a load of nothing is refused with the phrase', () => {
  assert.throws(() => load('0 clients'), /"0 clients": at least 1 client/);
  assert.throws(() => load('4 clients at 0 calls per second'), /"0 calls per second": the rate must be at least 1/);
});

test('calls enter through every node, a region, or the shard owners', () => {
  assert.deepEqual(entry('through every node'), { kind: 'every node' });
  assert.deepEqual(entry('from region "west"'), { kind: 'from region', region: 'west' });
  assert.deepEqual(entry('routed to shard owners'), { kind: 'shard owners' });
});
