import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readBody } from './body';

const request = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;

test("the whole body up to the bound; one byte more is the caller's own error", async () => {
  assert.equal((await readBody(request('ab', 'cd'), 4, () => new Error('never'))).toString(), 'abcd');
  await assert.rejects(
    readBody(request('ab', 'cde'), 4, (max) => new RangeError(`over ${max}`)),
    (e: unknown) => e instanceof RangeError && e.message === 'over 4',
  );
  assert.equal((await readBody(request(), 4, () => new Error('never'))).length, 0);
});
