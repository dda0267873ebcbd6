import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseJsonObject, readBody } from './body';

const request = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;

test("the whole body up to the bound; one byte more is the caller's own error", async () => {
  assert.equal((await readBody(request('ab', 'cd'), 4, () => new Error('never'))).toString(), 'abcd');
  await assert.rejects(
    readBody(request('ab', 'cde'), 4, (max) => new RangeError(`over ${max}`)),
    (e: unknown) => e instanceof RangeError && e.message === 'over 4',
  );
  assert.equal((await readBody(request(), 4, () => new Error('never'))).length, 0);
});

test("a JSON object is read; anything else is the caller's own error, saying which problem", () => {
  const invalid = (problem: string) => new TypeError(problem);
  assert.deepEqual(parseJsonObject('{"a":1}', invalid), { a: 1 });
  for (const [text, problem] of [
    ['{"a":', 'not JSON'],
    ['', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['"x"', 'not a JSON object'],
  ] as const) {
    assert.throws(
      () => parseJsonObject(text, invalid),
      (e: unknown) => e instanceof TypeError && e.message === problem,
      text,
    );
  }
});
