import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, sumOf } from './prometheus';

test('samples are read with their labels, and summed by name and label subset', () => {
  const text = [
    '# HELP mesh_leadership_transitions_total Leadership transitions.',
    '# TYPE mesh_leadership_transitions_total counter',
    'mesh_leadership_transitions_total{mesh_scope="global-control",mesh_transition="promoted",mesh_leader="west-1"} 1',
    'mesh_leadership_transitions_total{mesh_scope="global-control",mesh_transition="observed",mesh_leader="global-1"} 2',
    'mesh_gossip_members{mesh_status="Alive"} 6',
    'odd{label="a \\"quoted\\" value"} 3',
  ].join('\n');
  const samples = parsePrometheus(text);
  assert.equal(samples.length, 4);
  assert.equal(sumOf(samples, 'mesh_leadership_transitions_total', { mesh_scope: 'global-control' }), 3);
  assert.equal(sumOf(samples, 'mesh_leadership_transitions_total', { mesh_transition: 'promoted', mesh_leader: 'west-1' }), 1);
  assert.equal(samples[3]!.labels.label, 'a "quoted" value');
});
