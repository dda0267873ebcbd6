import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeredItselfProblems, readinessProblems } from './rpc-answers';

test('ready nodes pass; a node not ready is named with its issues', () => {
  assert.deepEqual(readinessProblems(new Map([['n1', { status: 200, body: { issues: [] } }]])), []);
  assert.deepEqual(
    readinessProblems(
      new Map([
        ['n1', { status: 200, body: { issues: [] } }],
        ['n2', { status: 503, body: { issues: ['etcd'] } }],
      ]),
    ),
    ['n2: /readyz 503 ["etcd"]'],
  );
});

test('a node answering its own payload intact passes; a wrong body, a failure or another node answering is named', () => {
  const sent = { probe: 'x' };
  assert.deepEqual(answeredItselfProblems(new Map([['n1', { sent, response: { status: 200, body: { probe: 'x' }, answeredBy: 'n1' } }]])), []);
  assert.deepEqual(
    answeredItselfProblems(
      new Map([
        ['n1', { sent, response: { status: 200, body: { probe: 'y' }, answeredBy: 'n1' } }],
        ['n2', { sent, response: { status: 503, rpcStatus: 'unavailable', body: 'busy', answeredBy: 'n2' } }],
        ['n3', { sent, response: { status: 200, body: { probe: 'x' } } }],
      ]),
    ),
    ['n1: answered {"probe":"y"}, sent {"probe":"x"}', 'n2: HTTP 503 unavailable "busy"', 'n3: the call was answered by (no node header)'],
  );
});
