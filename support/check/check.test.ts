import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { TOPOLOGY_BUILDERS } from '../../topologies';
import { checkFeatures, renderProblems } from './check';
import { loadSupportCode, type SupportCode } from './load';
import { nearestPhrases } from './nearest';

const FIXTURES = 'support/check/fixtures';
let support: SupportCode;
before(async () => {
  support = await loadSupportCode();
});

/** Each fixture holds one mistake of the kinds a new author made; the check names its place and the fix. */
const MISTAKES: { file: string; at: string; message: RegExp; fix: RegExp }[] = [
  {
    file: 'step-typo.feature',
    at: '3:11',
    message: /no step matches "the "GlobalLeaderWithTwoRegions" topology is runing"/,
    fix: /did you mean: "the "GlobalLeaderWithTwoRegions" topology is running"/,
  },
  { file: 'unknown-topology.feature', at: '3:15', message: /Unknown topology "GlobalLeaderWithTwoRegion"/, fix: /did you mean "GlobalLeaderWithTwoRegions"\?/ },
  { file: 'topology-wrong-field.feature', at: '3:15', message: /WrongField.yaml.*nodez/s, fix: /correct the topology file/ },
  { file: 'missing-traffic.feature', at: '4:31', message: /unknown traffic "hot-shards": seeds\/traffic\/ has .*hot-shard/, fix: /traffic the suite knows/ },
  { file: 'unknown-shard.feature', at: '4:46', message: /unknown shard "shard-999"/, fix: /shard the suite knows/ },
  { file: 'unknown-fault.feature', at: '6:9', message: /row 2 .*unknown fault "kill"/, fix: /did you mean "crash"\?/ },
  { file: 'misspelled-defect.feature', at: '2:3', message: /@catches:no-stepdown names no seeded defect/, fix: /did you mean @catches:no-step-down\?/ },
];

/** The fixtures' own topology folder (WrongField.yaml) beside the built-in builders. */
const sources = { builders: TOPOLOGY_BUILDERS, dir: join(FIXTURES, 'topologies') };

for (const mistake of MISTAKES) {
  test(`npm run check fails ${mistake.file} at its line and column, with the fix`, async () => {
    const { problems } = await checkFeatures(support, [join(FIXTURES, mistake.file)], { topologies: sources });
    assert.equal(problems.length, 1, renderProblems(problems));
    const [problem] = problems;
    assert.equal(`${problem!.at.uri}:${problem!.at.line}:${problem!.at.column}`, `${FIXTURES}/${mistake.file}:${mistake.at}`);
    assert.match(problem!.message, mistake.message);
    assert.match(problem!.fix, mistake.fix);
  });
}

test('targets the topology lacks: a crash target, a partition side, a group member and where clients are placed, each at its cell', async () => {
  const { problems } = await checkFeatures(support, [join(FIXTURES, 'unknown-target.feature')]);
  assert.deepEqual(
    problems.map((p) => `${p.at.line}:${p.at.column}`),
    ['6:21', '7:21', '10:17', '12:77'],
    renderProblems(problems),
  );
  assert.match(problems[0]!.message, /no node "east-9"/);
  assert.match(problems[0]!.fix, /did you mean "east-1"\?/);
  assert.match(problems[1]!.message, /region "south"/);
  assert.match(problems[2]!.message, /unknown member "west-7"/);
  assert.match(problems[3]!.message, /region "south"/);
});

test('a scenario with no mistake passes, and so does every feature of the suite', async () => {
  assert.deepEqual((await checkFeatures(support, [join(FIXTURES, 'clean.feature')])).problems, []);
  const suite = await checkFeatures(support);
  assert.ok(suite.scenarios >= 27, `${suite.scenarios} scenarios`);
  assert.deepEqual(suite.problems, [], renderProblems(suite.problems));
});

test('the nearest phrases level numbers and quoted values, and offer nothing for unrelated text', () => {
  const definitions = support.stepDefinitions;
  assert.match(
    nearestPhrases('within 25 second every node sees every other node Alive with its declared role and region', definitions)[0]!,
    /every node sees every other node Alive/,
  );
  assert.deepEqual(nearestPhrases('the moon is made of cheese and crackers', definitions), []);
});
