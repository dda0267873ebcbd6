import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CucumberExpression, ParameterType, ParameterTypeRegistry } from '@cucumber/cucumber-expressions';
import type { Envelope } from '@cucumber/messages';
import {
  annotations,
  buildCatalog,
  code,
  commentAbove,
  describeValue,
  firstDifferences,
  renderCatalog,
  synthesize,
  type StepDefinitionLike,
} from './step-catalog';

class Duration {
  constructor(readonly ms: number) {}
}

function registry(): ParameterTypeRegistry {
  const r = new ParameterTypeRegistry();
  r.defineParameterType(new ParameterType('duration', /(\d+) (seconds?)/, null, (n: string) => new Duration(Number(n) * 1000)));
  r.defineParameterType(new ParameterType('region', /"([a-z]+)"/, String, (s: string) => s));
  return r;
}

function definition(r: ParameterTypeRegistry, id: string, keyword: string, pattern: string, uri: string, line: number): StepDefinitionLike {
  return { id, keyword, pattern, expression: new CucumberExpression(pattern, r), uri, line };
}

test('the comment block directly above a definition, `//` lines and /** */ blocks, stops at a blank line', () => {
  const source = ['// unrelated', '', '/**', ' * Waits for the lease.', ' */', '// @requires feature:mesh-regional-leaders', "Then('x', fn);"].join('\n');
  assert.deepEqual(commentAbove(source, 7), ['Waits for the lease.', '@requires feature:mesh-regional-leaders']);
  assert.deepEqual(commentAbove("import x;\nThen('y', fn);", 2), []);
  assert.deepEqual(commentAbove("/** One line. */\nThen('y', fn);", 2), ['One line.']);
});

test('annotations: @requires (both spellings, deduplicated, sorted), @allow-unused with its reason, the rest is description', () => {
  const a = annotations(['Checks the lease.', '@requires feature:b-cap', '@requires: feature:a-cap feature:b-cap', '@allow-unused used by ad-hoc runs']);
  assert.deepEqual(a.requires, ['feature:a-cap', 'feature:b-cap']);
  assert.equal(a.allowUnused, 'used by ad-hoc runs');
  assert.deepEqual(a.description, ['Checks the lease.']);
  assert.equal(annotations(['@allow-unused']).allowUnused, '');
});

test('what a step receives reads as type and value', () => {
  assert.equal(describeValue(new Duration(15000)).text, 'Duration {"ms":15000}');
  assert.deepEqual(describeValue('east'), { text: 'string "east"', type: 'string' });
  assert.equal(describeValue(3).text, 'number 3');
});

test('a synthesized example matches its own expression: optional text kept, first alternative, parameters filled', () => {
  const r = registry();
  const e = new CucumberExpression('within {duration} the leader(s) of {region} is/are elected', r);
  const text = synthesize(e.ast, (t) => (t === 'duration' ? '15 seconds' : '"east"'));
  assert.equal(text, 'within 15 seconds the leaders of "east" is elected');
  assert.ok(e.match(text));
});

test('the catalog: sections per file, examples built from the parameter types (stable when scenarios are added), declared needs', async () => {
  const r = registry();
  const defs = [
    definition(r, 'd2', 'Then', 'every node is ready', 'steps/topology.steps.ts', 12),
    definition(r, 'd1', 'Given', 'the {region} region is running', 'steps/topology.steps.ts', 4),
    definition(r, 'd3', 'Then', 'within {duration} {region} has a leader', 'steps/leadership.steps.ts', 5),
  ];
  const envelopes = [
    {
      gherkinDocument: {
        feature: {
          children: [
            {
              scenario: {
                steps: [
                  { id: 's1', location: { line: 20 } },
                  { id: 's2', location: { line: 21 } },
                ],
              },
            },
          ],
        },
      },
    },
    { gherkinDocument: { feature: { children: [{ scenario: { steps: [{ id: 's3', location: { line: 7 } }] } }] } } },
    {
      pickle: {
        id: 'p1',
        uri: 'features/b.feature',
        location: { line: 19 },
        steps: [
          { id: 'ps1', text: 'the "west" region is running', type: 'Context', astNodeIds: ['s1'] },
          { id: 'ps2', text: 'every node is ready', type: 'Outcome', astNodeIds: ['s2'] },
        ],
      },
    },
    {
      pickle: {
        id: 'p2',
        uri: 'features/a.feature',
        location: { line: 6 },
        steps: [{ id: 'ps3', text: 'the "east" region is running', type: 'Context', astNodeIds: ['s3'] }],
      },
    },
    {
      testCase: {
        pickleId: 'p1',
        testSteps: [
          {
            pickleStepId: 'ps1',
            stepDefinitionIds: ['d1'],
            stepMatchArgumentsLists: [{ stepMatchArguments: [{ group: { value: '"west"' }, parameterTypeName: 'region' }] }],
          },
          { pickleStepId: 'ps2', stepDefinitionIds: ['d2'] },
        ],
      },
    },
    { testCase: { pickleId: 'p2', testSteps: [{ pickleStepId: 'ps3', stepDefinitionIds: ['d1'] }] } },
  ] as unknown as Envelope[];
  const catalog = await buildCatalog({
    stepDefinitions: defs,
    registry: r,
    envelopes,
    annotationsOf: (uri, line) =>
      line === 5 ? { requires: ['feature:mesh-regional-leaders'], description: ['Waits for a lease.'] } : { requires: [], description: [] },
  });
  assert.deepEqual(
    catalog.sections.map((s) => s.noun),
    ['leadership', 'topology'],
  );
  const [leadership, topology] = catalog.sections;
  assert.deepEqual(
    topology!.steps.map((s) => s.source),
    ['steps/topology.steps.ts:4', 'steps/topology.steps.ts:12'],
  );
  assert.deepEqual(topology!.steps[0]!.example, { text: 'Given the "east" region is running' });
  assert.deepEqual(topology!.steps[1]!.example, { text: 'Then every node is ready' });
  const fewer = await buildCatalog({ stepDefinitions: defs, registry: r, envelopes: envelopes.slice(0, 1) });
  assert.deepEqual(
    fewer.sections.flatMap((section) => section.steps.map((step) => step.example)),
    catalog.sections.flatMap((section) => section.steps.map((step) => step.example)),
    'the same examples with fewer scenarios',
  );
  const unused = leadership!.steps[0]!;
  assert.match(unused.example!.text, /^Then within \d+ seconds? "[a-z]+" has a leader$/);
  assert.deepEqual(unused.requires, ['feature:mesh-regional-leaders']);
  assert.deepEqual(unused.parameters, ['duration', 'region']);
  const duration = catalog.parameterTypes.find((p) => p.name === 'duration')!;
  assert.equal(duration.example, '15 seconds');
  assert.equal(duration.receives, 'Duration {"ms":15000}');
  assert.ok(!catalog.parameterTypes.some((p) => p.name === 'int'), 'unused built-in types are left out');

  const text = renderCatalog(catalog);
  assert.equal(text, renderCatalog(catalog), 'deterministic');
  assert.match(text, /\| `\{duration\}` \| `\(\\d\+\) \(seconds\?\)` \| `15 seconds` \| `Duration \{"ms":15000\}` \|/);
  assert.match(
    text,
    /#### Then `within \{duration\} \{region\} has a leader`\n\nWaits for a lease\.\n\n- \*\*Parameters\*\*: `\{duration\}` → Duration, `\{region\}` → string\n- \*\*Needs\*\*: `feature:mesh-regional-leaders`/,
  );
  assert.match(text, /- \*\*Example\*\*: `Then every node is ready`\n/);
  assert.doesNotMatch(text, /\d{4}-\d\d-\d\dT/, 'no timestamps');
});

test('a parameter example that does not match its regexp fails the build, naming the fix', async () => {
  const r = new ParameterTypeRegistry();
  r.defineParameterType(new ParameterType('duration', /(\d+)ms/, Number, (n: string) => Number(n)));
  await assert.rejects(buildCatalog({ stepDefinitions: [], registry: r, envelopes: [] }), /"15 seconds" for \{duration\} does not match.*PARAMETER_EXAMPLES/);
});

test('code spans survive backticks and table pipes; the check names the first differing lines', () => {
  assert.equal(code('a|b', true), '`a\\|b`');
  assert.equal(code('say `hi`'), '`` say `hi` ``');
  assert.deepEqual(firstDifferences('a\nb\nc', 'a\nB\nc'), ['  line 2 committed: b', '  line 2 generated: B']);
});
