import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressToward, isLoopback } from './engine-host';

test("this machine's address toward an engine host is the one its route leaves from", async () => {
  assert.equal(await addressToward('127.0.0.1'), '127.0.0.1');
  assert.equal(isLoopback('127.0.0.2'), true);
  assert.equal(isLoopback('10.0.0.8'), false);
});
