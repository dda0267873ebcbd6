import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyConnect, pairProblem, problemsOf, renderMatrix, type PairObservation } from './reachability';

const obs = (from: string, to: string, expected: boolean, outcome: PairObservation['outcome']): PairObservation => ({
  from,
  to,
  port: 8080,
  expected,
  observed: outcome === 'connected',
  outcome,
  why: expected ? 'same group' : 'cut',
});

test('prober events: connect connected, deadline timed out, socket errors by their code', () => {
  assert.equal(classifyConnect('connect'), 'connected');
  assert.equal(classifyConnect('deadline'), 'timed-out');
  assert.equal(classifyConnect('error', 'ECONNREFUSED'), 'refused');
  assert.equal(classifyConnect('error', 'EHOSTUNREACH'), 'unreachable');
  assert.equal(classifyConnect('error', 'ENETUNREACH'), 'unreachable');
  assert.equal(classifyConnect('error', 'ETIMEDOUT'), 'timed-out');
  assert.equal(classifyConnect('error', 'EMFILE'), 'error');
  assert.equal(classifyConnect('error'), 'error');
});

test('a pair agrees when cut means timed out and connect means connected', () => {
  assert.equal(pairProblem(obs('a', 'b', false, 'timed-out')), undefined);
  assert.equal(pairProblem(obs('a', 'b', false, 'unreachable')), undefined);
  assert.equal(pairProblem(obs('a', 'b', true, 'connected')), undefined);
  assert.match(pairProblem(obs('a', 'b', false, 'connected'))!, /a → b:8080 should be cut \(cut\) but connected/);
  assert.match(pairProblem(obs('a', 'b', true, 'timed-out'))!, /a → b:8080 should connect \(same group\) but timed-out/);
  assert.equal(pairProblem({ ...obs('a', 'b', true, 'timed-out'), ms: 702 }), 'a → b:8080 should connect (same group) but timed-out after 702 ms');
});

test('a refused probe never proves a cut: the RST came back, so packets are not dropped', () => {
  assert.match(pairProblem(obs('a', 'b', false, 'refused'))!, /not dropped/);
  assert.match(pairProblem(obs('a', 'b', false, 'error'))!, /probe itself failed/);
});

test('the matrix shows rows from, columns to, and marks wrong cells', () => {
  const pairs = [obs('a', 'b', false, 'timed-out'), obs('b', 'a', false, 'connected'), obs('a', 'c', true, 'connected'), obs('c', 'a', true, 'timed-out')];
  assert.equal(problemsOf(pairs).length, 2);
  assert.equal(
    renderMatrix(pairs),
    ['from \\ to  a      b    c', 'a          -      cut  ok', 'b          OPEN!  -    .', 'c          CUT!   .    -'].join('\n'),
  );
  assert.equal(renderMatrix([]), '(no pairs checked)');
});
