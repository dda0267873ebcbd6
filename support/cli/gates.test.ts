import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '@cucumber/messages';
import { dryRunEnv, gateLines, parseJsonc, ruleBlindSpots, stepProblems } from './gates';
import type { Annotations } from './step-catalog';

const none: Annotations = { requires: [], description: [] };

function stepDefinition(id: string, source: string, uri: string, line: number): Envelope {
  return { stepDefinition: { id, pattern: { source, type: 'CUCUMBER_EXPRESSION' }, sourceReference: { uri, location: { line } } } } as Envelope;
}

/** One feature: a Background step (line 4) and two scenarios (lines 6 and 10) with one step each (7 and 11). */
function plan(matches: { background: string[]; first: string[]; second: string[] }, tags: string[] = []): Envelope[] {
  const doc = {
    gherkinDocument: {
      uri: 'features/x/y.feature',
      feature: {
        children: [
          { background: { steps: [{ id: 'bg', location: { line: 4 } }] } },
          { scenario: { steps: [{ id: 'a', location: { line: 7 } }] } },
          { rule: { children: [{ scenario: { steps: [{ id: 'b', location: { line: 11 } }] } }] } },
        ],
      },
    },
  };
  const pickle = (id: string, line: number, step: string, text: string) => ({
    pickle: {
      id,
      uri: 'features/x/y.feature',
      name: `Scenario ${id}`,
      location: { line },
      tags: tags.map((name) => ({ name })),
      steps: [
        { id: `${id}-bg`, text: 'the background', astNodeIds: ['bg'] },
        { id: `${id}-s`, text, astNodeIds: [step] },
      ],
    },
  });
  const testCase = (id: string, own: string[]) => ({
    testCase: {
      pickleId: id,
      testSteps: [{ hookId: 'h' }, { pickleStepId: `${id}-bg`, stepDefinitionIds: matches.background }, { pickleStepId: `${id}-s`, stepDefinitionIds: own }],
    },
  });
  return [
    doc,
    pickle('p1', 6, 'a', 'the first step'),
    pickle('p2', 10, 'b', 'the second step'),
    stepDefinition('bgdef', 'the background', 'steps/a.steps.ts', 3),
    stepDefinition('d1', 'the first step', 'steps/a.steps.ts', 5),
    stepDefinition('d2', 'the second step', 'steps/b.steps.ts', 9),
    stepDefinition('dup', 'the {word} step', 'steps/b.steps.ts', 14),
    testCase('p1', matches.first),
    testCase('p2', matches.second),
  ] as unknown as Envelope[];
}

test('a clean plan has no problems', () => {
  const envelopes = plan({ background: ['bgdef'], first: ['d1'], second: ['d2'] }).filter((e) => e.stepDefinition?.id !== 'dup');
  assert.deepEqual(
    stepProblems(envelopes, () => none),
    [],
  );
});

test('undefined, ambiguous and unused are each reported once, at file:line, in that order', () => {
  const problems = stepProblems(plan({ background: [], first: ['d1', 'dup'], second: ['d2'] }), () => none);
  assert.deepEqual(
    problems.map((p) => `${p.kind} ${p.at}`),
    ['undefined features/x/y.feature:4', 'ambiguous features/x/y.feature:7', 'unused steps/a.steps.ts:3'],
  );
  assert.match(
    problems[1]!.message,
    /"the first step" matches 2 step definitions: steps\/a\.steps\.ts:5 "the first step", steps\/b\.steps\.ts:14 "the \{word\} step"/,
  );
  assert.match(problems[2]!.message, /use it, delete it, or mark it `\/\/ @allow-unused <reason>`/);
});

test('@allow-unused needs a reason', () => {
  const envelopes = plan({ background: ['bgdef'], first: ['d1'], second: ['d2'] });
  const withReason = stepProblems(envelopes, (uri, line) => (line === 14 ? { ...none, allowUnused: 'for ad-hoc runs' } : none));
  assert.deepEqual(withReason, []);
  const without = stepProblems(envelopes, (uri, line) => (line === 14 ? { ...none, allowUnused: '' } : none));
  assert.equal(without.length, 1);
  assert.match(without[0]!.message, /the reason is missing/);
});

test('a step declaring @requires needs the tag on every scenario that uses it; a malformed capability is named', () => {
  const declares = (uri: string, line: number): Annotations =>
    line === 9 ? { ...none, requires: ['feature:mesh-roles'] } : line === 5 ? { ...none, requires: ['mesh roles'] } : none;
  const untagged = stepProblems(plan({ background: ['bgdef'], first: ['d1'], second: ['d2'] }), declares).filter((p) => p.kind !== 'unused');
  assert.deepEqual(
    untagged.map((p) => `${p.kind} ${p.at}`),
    ['malformed @requires steps/a.steps.ts:5', 'missing @requires features/x/y.feature:10'],
  );
  assert.match(untagged[1]!.message, /declares @requires feature:mesh-roles\) but is not tagged @requires:feature:mesh-roles/);
  const tagged = stepProblems(plan({ background: ['bgdef'], first: ['d1'], second: ['d2'] }, ['@requires:feature:mesh-roles']), declares);
  assert.ok(!tagged.some((p) => p.kind === 'missing @requires'));
});

test('parse errors and undefined parameter types are reported', () => {
  const problems = stepProblems(
    [
      { parseError: { source: { uri: 'features/bad.feature', location: { line: 3 } }, message: "(3:1): expected: #TagLine, got 'Oops'" } },
      { undefinedParameterType: { name: 'shard', expression: 'shard {shard} is healthy' } },
    ] as unknown as Envelope[],
    () => none,
  );
  assert.deepEqual(
    problems.map((p) => `${p.kind} ${p.at}`),
    ['parse error features/bad.feature:3', 'undefined parameter type (support code)'],
  );
});

test('the dry run never reaches a real engine; a gate line per result, offenders indented when it failed', () => {
  assert.equal(dryRunEnv({ DOCKER_HOST: 'unix:///var/run/docker.sock' }).DOCKER_HOST, 'unix:///nonexistent/omnirelay-gates.sock');
  assert.equal(
    gateLines({ name: 'catalog', ok: true, output: 'docs/step-catalog.md is current', ms: 1900 }),
    '✔ catalog        docs/step-catalog.md is current (1.9 s)',
  );
  assert.equal(
    gateLines({ name: 'lint:steps', ok: false, output: '1 problem\n  steps/a.ts:3  unused: x', ms: 1000 }),
    '✘ lint:steps     FAILED (1.0 s)\n    1 problem\n      steps/a.ts:3  unused: x',
  );
});

test('.gplintrc is JSON with comments; comment markers inside strings are kept', () => {
  assert.deepEqual(parseJsonc('// top\n{ "a": "x//y", /* b */ "b": ["/*not*/"] } // end'), { a: 'x//y', b: ['/*not*/'] });
});

test('inside Rule: blocks, unknown and duplicate tags, double spaces and unnamed scenarios are reported like gplint would', () => {
  const config = {
    'allowed-tags': ['error', { tags: ['@smoke'], patterns: ['^@catches:[a-z-]+$'] }],
    'no-duplicate-tags': 'error',
    'one-space-between-tags': 'error',
    'no-unnamed-scenarios': 'error',
  } as never;
  const source = [
    'Feature: F',
    '',
    '  @smoke',
    '  Scenario: top level (gplint checks these itself)',
    '    Given x',
    '',
    '  @wip',
    '  Rule: R',
    '',
    '    @catches:a  @catches:a @smoke',
    '    Scenario:',
    '      Given x',
    '',
  ].join('\n');
  assert.deepEqual(ruleBlindSpots('features/f.feature', source, config), [
    '  features/f.feature:7:3  error  Not allowed tag @wip on Rule  allowed-tags',
    '  features/f.feature:10:17  error  Duplicate tags are not allowed: @catches:a  no-duplicate-tags',
    '  features/f.feature:10:5  error  There is more than one space between the tags @catches:a and @catches:a  one-space-between-tags',
    '  features/f.feature:11:5  error  Missing Scenario name (in Rule)  no-unnamed-scenarios',
  ]);
  assert.deepEqual(ruleBlindSpots('features/f.feature', source, { 'allowed-tags': 'off' } as never), []);
});
