// Random fault schedules: the same seed draws the same cases, every drawn case is a feature the offline
// check accepts, and the search shrinks a failure to its smallest form within its budget (a fake runner
// stands in for the cluster here; bdd:random runs real ones).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { topologyByName } from '../../../topologies';
import { checkFeatures, renderProblems } from '../../check/check';
import { loadSupportCode, type SupportCode } from '../../check/load';
import { parseSchedule, SCHEDULE_HEADER } from '../schedule';
import { LIMITS, safeDriftPercent, sampleCases } from './arbitrary';
import { parseBudget } from './budget';
import { UsageError } from '../../cli/flags';
import { scheduleEndS, type RandomCase } from './case';
import { caseSteps, featureFile } from './feature';
import { foundText } from './found';
import { search, type CaseVerdict } from './search';

const ring = topologyByName('ShardRing');
// Inside the checkout (the check reads features by relative path); reports/ is absent on a fresh clone.
mkdirSync('reports', { recursive: true });
const tmp = mkdtempSync(join('reports', 'random-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
// Loaded once: step definitions register when their modules are first imported.
let support: SupportCode;
before(async () => {
  support = await loadSupportCode();
});

test('the same seed draws the same schedules; another seed draws others', () => {
  assert.deepEqual(sampleCases(ring, 1234, 20), sampleCases(ring, 1234, 20));
  assert.notDeepEqual(sampleCases(ring, 1234, 20), sampleCases(ring, 1235, 20));
});

test('every drawn schedule is bounded and parses as a fault schedule', () => {
  for (const c of sampleCases(ring, 7, 200)) {
    assert.ok(c.faults.length >= 1 && c.faults.length <= LIMITS.faults);
    assert.ok(scheduleEndS(c) <= LIMITS.startS + LIMITS.durationS);
    const entries = parseSchedule([SCHEDULE_HEADER, ...c.faults.map((f) => [f.fault, f.target, `${f.startS} s`, `${f.durationS} seconds`])]);
    for (const e of entries) if (e.fault.kind === 'clock') assert.ok(Math.abs(e.fault.drift * 100) <= safeDriftPercent(ring.timers.leaseTtlMs));
  }
});

test('drawn cases are features the offline check accepts (steps, topology, fault tables, traffic)', async () => {
  const files = sampleCases(ring, 99, 25).map((c, i) => {
    const file = join(tmp, `case-${i}.feature`);
    writeFileSync(file, featureFile(c, { scenario: `Random_Test_${i}`, featureTags: [], scenarioTags: ['@catches:leader-without-quorum'], description: [] }));
    return file;
  });
  const { problems, scenarios } = await checkFeatures(support, files);
  assert.equal(scenarios, 25);
  assert.deepEqual(problems, [], renderProblems(problems));
});

test('the drift bound follows relay-node README: guard/TTL with a margin', () => {
  assert.equal(safeDriftPercent(3_000), 5); // 8.3 % × 0.6
  assert.equal(safeDriftPercent(8_000), 1); // 3.1 % × 0.6
});

/** A cluster that fails whenever a partition isolates the global leader, whatever else happens. */
const failsOnLeaderPartition = (c: RandomCase): CaseVerdict => ({
  verdict: c.faults.some((f) => f.fault === 'partition' && f.target === 'the global leader / everyone else') ? 'fail' : 'pass',
  step: 'Then no scope ever had two leaders',
  reason: '',
  seconds: 60,
  file: 'x.feature',
});

test('a failure is shrunk to its smallest form: one fault, earliest and shortest window, fewest clients', async () => {
  const result = await search({
    topology: ring,
    seed: 42,
    runs: 200,
    searchUntilMs: Number.POSITIVE_INFINITY,
    runCase: async (c) => failsOnLeaderPartition(c),
  });
  // Seed 42 first fails with a graceful stop drawn before the partition: the pass after fast-check drops it.
  assert.ok(result.failure, 'some drawn case isolates the global leader');
  const { smallest, original, shrinkSteps } = result.failure;
  assert.ok(shrinkSteps > 0 || original.faults.length === 1);
  assert.deepEqual(smallest.faults, [{ fault: 'partition', target: 'the global leader / everyone else', startS: 0, durationS: 3 }]);
  assert.equal(smallest.clients, 2);
  assert.equal(smallest.workload, 'key-value');
});

test('the budget stops drawing and shrinking; a running case is not abandoned', async () => {
  let clock = 0;
  const ran: string[] = [];
  const result = await search({
    topology: ring,
    seed: 42,
    runs: 200,
    searchUntilMs: 5 * 60_000,
    now: () => clock,
    runCase: async (c, label) => {
      ran.push(label);
      clock += 60_000; // each case takes a minute
      return failsOnLeaderPartition(c);
    },
  });
  assert.ok(ran.length <= 5, `ran ${ran.length} cases in a 5-minute budget`);
  assert.equal(result.budgetSpent, true);
});

test('harness errors are neither passes nor failures', async () => {
  const result = await search({
    topology: ring,
    seed: 5,
    runs: 3,
    searchUntilMs: Number.POSITIVE_INFINITY,
    runCase: async () => ({ verdict: 'error', reason: 'docker went away', seconds: 1, file: 'x' }),
  });
  assert.equal(result.failure, undefined);
  assert.ok(result.errors >= 3);
});

test('budgets read as durations; bad ones say how to write one', () => {
  assert.equal(parseBudget('budget', '15m'), 900_000);
  assert.equal(parseBudget('until', '1h30m'), 5_400_000);
  assert.equal(parseBudget('budget', '90s'), 90_000);
  assert.throws(() => parseBudget('budget', '15 minutes'), /--budget "15 minutes": not a duration; write e.g. 90s, 15m, 2h/);
  assert.throws(() => parseBudget('budget', '5s'), /at least 10s/);
  assert.throws(() => parseBudget('until', 'soon'), UsageError, 'a usage error: bdd:random prints it with the usage, exit 2');
});

test('a found file names its seed, defect and the case before shrinking, and is a feature the check accepts', async () => {
  const [original] = sampleCases(ring, 3, 1);
  const smallest: RandomCase = { ...original!, faults: [{ fault: 'partition', target: 'ring-2 / everyone else', startS: 0, durationS: 3 }], clients: 2 };
  const v: CaseVerdict = { verdict: 'fail', step: 'Then no scope ever had two leaders', reason: '', seconds: 50, file: 'x' };
  const text = foundText({
    failure: { original: original!, originalVerdict: v, smallest, smallestVerdict: v, shrinkRuns: 9, shrinkSteps: 4, path: '0:1' },
    seed: 3,
    topology: 'ShardRing',
    defect: 'leader-without-quorum',
    runs: 10,
  });
  assert.match(text, /^@found$/m);
  assert.match(text, /@catches:leader-without-quorum/);
  assert.match(text, /Scenario: Found_LeaderWithoutQuorum_Seed3/);
  assert.match(text, /npm run bdd:random -- --seed 3 --runs 10 --topology ShardRing --defect leader-without-quorum/);
  assert.match(text, /# The case before shrinking:\n# {3}\| fault/);
  const file = join(tmp, 'found.feature');
  writeFileSync(file, text);
  const { problems } = await checkFeatures(support, [file]);
  assert.deepEqual(problems, [], renderProblems(problems));
});

test('a case reads as the gates want a scenario: one Given, one When, one Then block, and the @requires its steps need', () => {
  for (const c of sampleCases(ring, 11, 30)) {
    const keywords = caseSteps(c).map((s) => /^(\w+) /.exec(s)?.[1] ?? '|');
    assert.deepEqual(
      keywords.filter((k) => k !== 'And' && k !== '|'),
      ['Given', 'When', 'Then'],
    );
    const text = featureFile(c, { scenario: 'X', featureTags: [], scenarioTags: [], description: [] });
    assert.match(text, c.workload === 'sequence' ? /@requires:feature:mesh-sequence/ : /@requires:feature:mesh-entities/);
    if (c.faults.some((f) => f.fault.startsWith('clock '))) assert.match(text, /@requires:feature:mesh-clock-skew/);
  }
});
