import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, httpStatusFor, isRetryable, statusToken } from './status';

test('statuses map to HTTP codes per the contract', () => {
  assert.equal(httpStatusFor('ResourceExhausted'), 429);
  assert.equal(httpStatusFor('Unavailable'), 503);
  assert.equal(httpStatusFor('DeadlineExceeded'), 504);
  assert.equal(httpStatusFor('Unimplemented'), 501);
  assert.equal(httpStatusFor('Cancelled'), 499);
  assert.equal(httpStatusFor('InvalidArgument'), 400);
  assert.equal(httpStatusFor('NotFound'), 404);
  assert.equal(httpStatusFor('PermissionDenied'), 403);
  assert.equal(httpStatusFor('Internal'), 500);
  assert.equal(httpStatusFor('Aborted'), 500);
});

test('status names render as body tokens and error codes', () => {
  assert.equal(statusToken('ResourceExhausted'), 'RESOURCE_EXHAUSTED');
  assert.equal(statusToken('Internal'), 'INTERNAL');
  assert.equal(errorCode('InvalidArgument'), 'invalid-argument');
  assert.equal(errorCode('DataLoss'), 'data-loss');
});

test('retryable statuses', () => {
  for (const s of ['Unavailable', 'Internal', 'ResourceExhausted', 'Aborted', 'DeadlineExceeded'] as const) assert.ok(isRetryable(s), s);
  for (const s of ['InvalidArgument', 'Unimplemented', 'NotFound'] as const) assert.ok(!isRetryable(s), s);
});
