import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listOf, parseFlags, UsageError, wholeNumber } from './flags';

const options = { rounds: { type: 'string' }, defect: { type: 'string', multiple: true }, help: { type: 'boolean' } } as const;

test('`--x v` and `--x=v` both work; repeated flags collect', () => {
  assert.deepEqual({ ...parseFlags(['--rounds', '4', '--defect=a', '--defect', 'b'], options).values }, { rounds: '4', defect: ['a', 'b'] });
});

test('an unknown flag, a flag without its value and a stray argument are usage errors naming them', () => {
  assert.throws(
    () => parseFlags(['--round', '4'], options),
    (e: unknown) => e instanceof UsageError && e.message === 'unknown flag --round',
  );
  assert.throws(
    () => parseFlags(['--rounds'], options),
    (e: unknown) => e instanceof UsageError && /--rounds/.test(e.message),
  );
  assert.throws(() => parseFlags(['nope'], options), /unexpected argument\(s\): nope/);
  assert.deepEqual(parseFlags(['a.json'], options, { positionals: true }).positionals, ['a.json']);
});

test('values are checked: whole numbers in range, lists of known items', () => {
  assert.equal(wholeNumber('rounds', undefined, 3), 3);
  assert.equal(wholeNumber('rounds', '5', 3), 5);
  for (const bad of ['x', '0', '2.5', '-1', '']) assert.throws(() => wholeNumber('rounds', bad, 3), /--rounds ".*": expected a whole number from 1 up/, bad);
  assert.throws(() => wholeNumber('port', '70000', 0, { min: 0, max: 65535 }), /from 0 to 65535/);
  assert.deepEqual(listOf('only', 'load, proxy', ['startup', 'load', 'proxy']), ['load', 'proxy']);
  assert.deepEqual(listOf('only', undefined, ['a', 'b']), ['a', 'b']);
  assert.throws(() => listOf('only', 'lod', ['startup', 'load']), /--only "lod": unknown lod; known: startup, load/);
  assert.throws(() => listOf('only', ',', ['a']), /unknown \(none given\)/);
});
