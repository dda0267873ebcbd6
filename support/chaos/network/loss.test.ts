import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptTally, checkRules, falseAlarmOdds, lossAttempts, lossPairProblem, lossProblemsOf, renderLossMatrix, type LossPairObservation } from './loss';
import { planPartition } from './plan';
import { member } from './test-members';

const members = [member('n1', 1), member('n2', 2), member('n3', 3), member('n4', 4)];

// 36% on the path: 0.2 per rule, which iptables stores as round(0.2 * 2^31) / 2^31 and lists with %.11f.
const plan = planPartition(members, { kind: 'loss', between: { a: ['n1'], b: ['n3', 'n4'] }, probability: 0.36 }, { chain: 'OHS-FAULT-5' });
const n1 = plan.containers.find((c) => c.member.id === 'n1')!;
const stat = '-m statistic --mode random --probability 0.20000000019 -j DROP';
const listing = (lines: string[]) => ['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT', ...lines].join('\n') + '\n';
const healthy = [
  '-N OHS-FAULT-5-IN',
  '-N OHS-FAULT-5-OUT',
  '-A INPUT -j OHS-FAULT-5-IN',
  '-A OUTPUT -j OHS-FAULT-5-OUT',
  `-A OHS-FAULT-5-IN -s 10.9.0.3/32 ${stat}`,
  `-A OHS-FAULT-5-IN -s 10.9.0.4/32 ${stat}`,
  `-A OHS-FAULT-5-OUT -d 10.9.0.3/32 ${stat}`,
  `-A OHS-FAULT-5-OUT -d 10.9.0.4/32 ${stat}`,
];

test('rule check: the planned chains, hooked, with every planned rule at the planned probability', () => {
  const check = checkRules('n1', listing(healthy), n1.chains);
  assert.deepEqual(check.problems, []);
  assert.equal(check.command, 'iptables -S');
  assert.deepEqual(check.chains, [
    { chain: 'OHS-FAULT-5-IN', hook: 'INPUT', hooked: true, expectedRules: 2, foundRules: 2, missing: [] },
    { chain: 'OHS-FAULT-5-OUT', hook: 'OUTPUT', hooked: true, expectedRules: 2, foundRules: 2, missing: [] },
  ]);
  // Other faults' chains and rules in the same table are none of this check's business.
  const crowded = listing([...healthy, '-N OHS-FAULT-6-IN', '-A INPUT -j OHS-FAULT-6-IN', '-A OHS-FAULT-6-IN -s 10.9.0.2/32 -j DROP']);
  assert.deepEqual(checkRules('n1', crowded, n1.chains).problems, []);
});

test('rule check: an unhooked chain, a missing rule, a wrong probability and a missing chain are named', () => {
  const unhooked = checkRules('n1', listing(healthy.filter((l) => l !== '-A OUTPUT -j OHS-FAULT-5-OUT')), n1.chains);
  assert.deepEqual(unhooked.problems, ['n1: chain OHS-FAULT-5-OUT is not hooked into OUTPUT (no `-A OUTPUT -j OHS-FAULT-5-OUT`)']);

  const short = checkRules('n1', listing(healthy.filter((l) => !l.startsWith('-A OHS-FAULT-5-IN -s 10.9.0.4/32'))), n1.chains);
  assert.deepEqual(short.problems, [
    'n1: chain OHS-FAULT-5-IN holds 1 rule(s), expected 2',
    'n1: rule not listed: -A OHS-FAULT-5-IN -s 10.9.0.4/32 -m statistic --mode random --probability 0.2 -j DROP',
  ]);
  assert.equal(short.chains[0]!.foundRules, 1);

  const wrongP = checkRules(
    'n1',
    listing(healthy.map((l) => (l.startsWith('-A OHS-FAULT-5-OUT -d 10.9.0.3/32') ? l.replace('0.20000000019', '0.50000000000') : l))),
    n1.chains,
  );
  assert.deepEqual(wrongP.problems, [
    'n1: rule not listed: -A OHS-FAULT-5-OUT -d 10.9.0.3/32 -m statistic --mode random --probability 0.2 -j DROP',
    'n1: unexpected rule: -A OHS-FAULT-5-OUT -d 10.9.0.3/32 -m statistic --mode random --probability 0.50000000000 -j DROP',
  ]);

  // A hard DROP where a lossy one was planned is not the planned rule.
  const hard = checkRules('n1', listing(healthy.map((l) => l.replace(` ${stat}`, ' -j DROP'))), n1.chains);
  assert.equal(hard.problems.filter((p) => p.includes('rule not listed')).length, 4);

  // A restarted container: a fresh netns, nothing of ours in it.
  const fresh = checkRules('n1', listing([]), n1.chains);
  assert.deepEqual(fresh.problems, ['n1: chain OHS-FAULT-5-IN does not exist', 'n1: chain OHS-FAULT-5-OUT does not exist']);
});

test('rule check works for cut rules too (no statistic match)', () => {
  const groups = planPartition(members, { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } }, { chain: 'OHS-FAULT-1' });
  const c = groups.containers.find((x) => x.member.id === 'n2')!;
  const ok = listing([
    '-N OHS-FAULT-1-IN',
    '-N OHS-FAULT-1-OUT',
    '-A INPUT -j OHS-FAULT-1-IN',
    '-A OUTPUT -j OHS-FAULT-1-OUT',
    '-A OHS-FAULT-1-IN -s 10.9.0.1/32 -j DROP',
    '-A OHS-FAULT-1-OUT -d 10.9.0.1/32 -j DROP',
  ]);
  assert.deepEqual(checkRules('n2', ok, c.chains).problems, []);
});

test('attempts per pair: the fewest a healthy lossy pair fails all of with odds below 1e-5, within [3, 60]', () => {
  // One attempt needs the SYN and the SYN-ACK through: it succeeds with (1 - p)^2.
  assert.equal(lossAttempts(0.2), 12);
  assert.ok(falseAlarmOdds(0.2, 12) < 1e-5 && falseAlarmOdds(0.2, 11) > 1e-5);
  assert.equal(lossAttempts(0.5), 41);
  assert.equal(lossAttempts(0.01), 3);
  assert.equal(lossAttempts(0.9), 60);
  assert.equal(lossAttempts(0.2, { falseAlarm: 1e-3, max: 5 }), 5);
  assert.ok(falseAlarmOdds(0.9, 60) > 0.5, 'at 90% loss 60 attempts prove little: the record says so');
});

const pair = (from: string, to: string, why: 'lossy' | 'same group', attempts: number, connected: boolean): LossPairObservation => ({
  from,
  to,
  port: 8080,
  why,
  connected,
  attempts,
  failures: Array.from({ length: connected ? attempts - 1 : attempts }, () => 'timed-out' as const),
});

test('a pair that never connected is the only problem; how many attempts it took is evidence', () => {
  const obs = [pair('n1', 'n3', 'lossy', 3, true), pair('n3', 'n1', 'lossy', 12, false), pair('n3', 'n4', 'same group', 1, true)];
  assert.equal(lossPairProblem(obs[0]!, 12), undefined);
  assert.equal(lossPairProblem(obs[1]!, 12), 'n3 → n1:8080 should connect at least once (lossy) but failed all 12 attempts (12× timed-out)');
  assert.equal(lossProblemsOf(obs, 12).length, 1);
  assert.deepEqual(attemptTally(obs), { made: 15, failed: 14 });
  assert.equal(
    renderLossMatrix(obs),
    ['from \\ to  n1      n3     n4', 'n1         -       ~ok@3  .', 'n3         ~LOST!  -      ok', 'n4         .       .      -'].join('\n'),
  );
  assert.equal(renderLossMatrix([]), '(no pairs checked)');
});
