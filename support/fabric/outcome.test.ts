import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRpc, outcomeOfAnswer, promisesNotApplied } from './outcome';

test('every 2xx is ok', () => {
  for (const status of [200, 201, 202, 204, 299]) assert.equal(outcomeOfAnswer(status, {}), 'ok', `HTTP ${status}`);
});

test('every 4xx is fail, with or without the header', () => {
  for (const status of [400, 403, 404, 409, 429, 499]) {
    assert.equal(outcomeOfAnswer(status, {}), 'fail', `HTTP ${status}`);
    assert.equal(outcomeOfAnswer(status, { 'x-mesh-outcome': 'not-applied' }), 'fail', `HTTP ${status} not-applied`);
  }
});

test('a 5xx is info unless it promises not-applied', () => {
  for (const status of [500, 501, 502, 503, 504]) assert.equal(outcomeOfAnswer(status, { 'rpc-status': 'Unavailable' }), 'info', `HTTP ${status}`);
  assert.equal(outcomeOfAnswer(503, { 'x-mesh-outcome': 'not-applied', 'retry-after': '1' }), 'fail');
  assert.equal(outcomeOfAnswer(500, { 'X-Mesh-Outcome': ' Not-Applied ' }), 'fail', 'header name and value in any case');
  assert.equal(outcomeOfAnswer(503, { 'x-mesh-outcome': 'applied' }), 'info', 'another value promises nothing');
  assert.equal(outcomeOfAnswer(503, { 'x-mesh-outcome': ['other', 'not-applied'] }), 'fail', 'repeated header');
});

test('1xx and 3xx are info (not an RPC answer the contract knows)', () => {
  assert.equal(outcomeOfAnswer(101), 'info');
  assert.equal(outcomeOfAnswer(302), 'info');
  assert.equal(outcomeOfAnswer(307, { 'x-mesh-outcome': 'not-applied' }), 'fail');
});

test('no answer at all (timeout, refused, reset) is info', () => {
  assert.equal(classifyRpc({ error: new Error('timeout after 2000 ms') }), 'info');
  assert.equal(classifyRpc({ error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), 'info');
  assert.equal(classifyRpc({ status: 200 }), 'ok');
  assert.equal(classifyRpc({ status: 404, headers: {} }), 'fail');
});

test('promisesNotApplied reads only x-mesh-outcome', () => {
  assert.equal(promisesNotApplied(undefined), false);
  assert.equal(promisesNotApplied({ 'rpc-status': 'not-applied' }), false);
  assert.equal(promisesNotApplied({ 'x-mesh-outcome': 'not-applied' }), true);
});

test('an answer becomes a history completion: the body as result with who served it, the status as error unless ok', async () => {
  const { completionOfAnswer, resultOfAnswer } = await import('./outcome');
  assert.deepEqual(completionOfAnswer({ status: 200, headers: { 'X-Mesh-Node': 'east-1' }, body: { value: 7 } }), {
    outcome: 'ok',
    result: { value: 7, servedBy: 'east-1' },
  });
  assert.deepEqual(completionOfAnswer({ status: 503, rpcStatus: 'unavailable', headers: { 'x-mesh-outcome': 'not-applied' }, body: 'draining' }), {
    outcome: 'fail',
    result: { body: 'draining', servedBy: undefined },
    error: 'HTTP 503 unavailable',
  });
  assert.deepEqual(resultOfAnswer(undefined, { 'x-mesh-node': 'west-2', 'x-mesh-served-region': 'west' }), { servedBy: 'west-2', servedRegion: 'west' });
  assert.deepEqual(resultOfAnswer([1, 2], {}), { body: [1, 2], servedBy: undefined });
});
