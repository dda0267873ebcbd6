import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canAssign } from './parallel';

const plain = { tags: [{ name: '@catches:term-reuse' }] };
const heavy = { tags: [{ name: '@exclusive' }] };

test('plain scenarios run side by side; an @exclusive one runs alone', () => {
  assert.equal(canAssign(plain, []), true);
  assert.equal(canAssign(plain, [plain]), true);
  assert.equal(canAssign(heavy, []), true);
  assert.equal(canAssign(heavy, [plain]), false, 'waits for the running scenario');
  assert.equal(canAssign(plain, [heavy]), false, 'nothing starts beside it');
});
