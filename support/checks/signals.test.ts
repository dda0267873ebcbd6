import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from './prometheus';
import { metricAtLeastProblems, servedByHolderProblems, spanProblems, transitionsRecordedProblems } from './signals';

const t = (scope: string, leader: string, transition: string, value = 1): Sample => ({
  name: 'mesh_leadership_transitions_total',
  labels: { mesh_scope: scope, mesh_leader: leader, mesh_transition: transition },
  value,
});

test('the new holder counts its promotion and a witness counts the change: right; either missing is named', () => {
  const holder = { id: 'w1', samples: [t('global-control', 'w1', 'promoted')] };
  const witness = { id: 'e1', samples: [t('global-control', 'w1', 'observed')] };
  assert.deepEqual(transitionsRecordedProblems('global-control', holder, witness), []);
  assert.deepEqual(transitionsRecordedProblems('global-control', { id: 'w1', samples: [t('global-control', 'g1', 'elected')] }, { id: 'e1', samples: [] }), [
    "w1's mesh_leadership_transitions_total has no promoted/elected transition for global-control",
    "e1's mesh_leadership_transitions_total has no transition naming w1 for global-control",
  ]);
});

test('a metric at or above its floor passes; below it, the series are shown', () => {
  const samples: Sample[] = [
    { name: 'm', labels: { a: 'x' }, value: 2 },
    { name: 'm', labels: { a: 'y' }, value: 5 },
  ];
  assert.deepEqual(metricAtLeastProblems('n1', samples, 'm', { a: 'x' }, 2), []);
  assert.deepEqual(metricAtLeastProblems('n1', samples, 'm', { a: 'x' }, 3), ['n1\'s m{"a":"x"} is 2; series: {"a":"x"} 2; {"a":"y"} 5']);
  assert.deepEqual(metricAtLeastProblems('n1', [], 'm', {}, 1), ["n1's m{} is 0; series: none"]);
});

test('a wanted span with the attribute value seen passes; otherwise what was seen is said', () => {
  const seen = [{ attributes: { 'mesh.to': 'e2' } }, { attributes: { 'mesh.to': 'e3' } }];
  assert.deepEqual(spanProblems([{ span: 'mesh.shard.move', attribute: 'mesh.to', value: 'e3', seen }]), []);
  assert.deepEqual(
    spanProblems([
      { span: 'mesh.shard.move', attribute: 'mesh.to', value: 'w1', seen },
      { span: 'x', attribute: 'y', value: 'z', seen: [] },
    ]),
    ['no mesh.shard.move span with mesh.to=w1 (2 mesh.shard.move spans; mesh.to seen: e2, e3)', 'no x span with y=z (0 x spans; y seen: none)'],
  );
});

test('every node served by the holder passes; no answer, an error or another server is named', () => {
  assert.deepEqual(servedByHolderProblems([{ node: 'n1', answer: { status: 200, answeredBy: 'g1', body: {} } }], 'g1'), []);
  assert.deepEqual(
    servedByHolderProblems(
      [
        { node: 'n1', answer: new Error('socket hang up') },
        { node: 'n2', answer: { status: 503, body: 'busy' } },
        { node: 'n3', answer: { status: 200, answeredBy: 'n3', body: {} } },
        { node: 'n4', answer: { status: 200, body: {} } },
      ],
      'g1',
    ),
    ['n1: no answer (socket hang up)', 'n2: HTTP 503 "busy"', 'n3: served by n3, not by the leader g1', 'n4: served by (no node header), not by the leader g1'],
  );
});
