import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './cli';

test('GNU and Go spellings both work; defaults as the Toxiproxy binary', () => {
  assert.deepEqual(parseArgs([]), { host: 'localhost', port: 8474 });
  assert.deepEqual(parseArgs(['-host', '0.0.0.0', '-port=9000']), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseArgs(['--host=::', '--port', '0']), { host: '::', port: 0 });
  assert.equal(parseArgs(['-h']), 'help');
});

test('an unknown flag, a missing value, a bad port or a stray argument is an error naming it', () => {
  assert.throws(() => parseArgs(['--hots', 'x']), /--hots/);
  assert.throws(() => parseArgs(['--port']), /--port/);
  assert.throws(() => parseArgs(['-port', '70000']), /--port "70000": expected a whole number from 0 to 65535/);
  assert.throws(() => parseArgs(['serve']), /serve/);
});
