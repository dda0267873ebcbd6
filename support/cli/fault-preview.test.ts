import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '@cucumber/messages';
import { faultPlans, renderPlans } from './fault-preview';

const envelopes = [
  { stepDefinition: { id: 'd1', sourceReference: { uri: 'steps/chaos.steps.ts', location: { line: 20 } } } },
  { stepDefinition: { id: 'd2', sourceReference: { uri: 'steps/topology.steps.ts', location: { line: 5 } } } },
  {
    pickle: {
      id: 'p1',
      name: 'Chained',
      uri: 'features/chaos/chained.feature',
      steps: [
        { id: 's1', text: 'the "ShardRing" topology is running' },
        {
          id: 's2',
          text: 'these faults run, overlapping, until all have healed:',
          argument: {
            dataTable: {
              rows: [
                ['fault', 'target', 'start', 'duration'],
                ['crash', 'ring-2', '2 s', '5 s'],
                ['partition', 'ring-1 / everyone else', '0 s', '4 s'],
              ].map((r) => ({ cells: r.map((value) => ({ value })) })),
            },
          },
        },
      ],
    },
  },
  {
    testCase: {
      pickleId: 'p1',
      testSteps: [
        { pickleStepId: 's1', stepDefinitionIds: ['d2'] },
        { pickleStepId: 's2', stepDefinitionIds: ['d1'] },
      ],
    },
  },
] as unknown as Envelope[];

test('the fault plan lists fault steps only, with a schedule timed and sorted', () => {
  const plans = faultPlans(envelopes, (uri) => uri === 'steps/chaos.steps.ts');
  assert.equal(plans.length, 1);
  assert.deepEqual(
    plans[0]!.faults.map((f) => f.step),
    [2],
  );
  assert.deepEqual(plans[0]!.faults[0]!.detail, [
    '+0.0 s … +4.0 s  partition on ring-1 / everyone else, from 0 s for 4 s',
    '+2.0 s … +7.0 s  crash on ring-2, from 2 s for 5 s',
  ]);
  assert.match(renderPlans(plans), /1 scenarios, 1 with faults$/);
});
