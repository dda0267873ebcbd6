import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRuns, MergeError, pairVerdict, renderMatrix, tally, type Attempt, type PairResult, type SensitivityRun } from './matrix';

const caught: Attempt = {
  verdict: 'caught',
  step: 'Then the key-value history of shard-21 is linearizable',
  reason: 'CheckerError: linearizable: 1 problem(s)',
  seconds: 40,
};
const missed: Attempt = { verdict: 'missed', reason: 'the scenario passed against the defective nodes', seconds: 38 };
const error: Attempt = {
  verdict: 'error',
  step: 'And within 15 seconds every node routes by the same shard map',
  reason: 'setup failed (Given block)',
  seconds: 20,
};
const pair = (defect: string, scenario: string, ...attempts: Attempt[]): PairResult => ({ defect, scenario, uri: `features/${scenario}.feature`, attempts });
const runOf = (commit: string, selection: string, ...pairs: PairResult[]): SensitivityRun => ({
  commit,
  dirty: false,
  startedAt: '2026-12-04T21:00:00Z',
  finishedAt: '2026-12-04T21:10:00Z',
  repeat: 3,
  selection,
  pairs,
});

test('a pair is caught only when every attempt was; an error outranks a miss', () => {
  assert.equal(pairVerdict(pair('kv-stale-read', 'KV', caught, caught, caught)), 'caught');
  assert.equal(pairVerdict(pair('kv-stale-read', 'KV', caught, missed, caught)), 'missed');
  assert.equal(pairVerdict(pair('kv-stale-read', 'KV', missed, error)), 'error');
  assert.equal(pairVerdict(pair('kv-stale-read', 'KV')), 'missed');
  assert.equal(tally(pair('kv-stale-read', 'KV', caught, missed, error)), '1/3 caught, 1 missed, 1 error');
  assert.equal(tally(pair('kv-stale-read', 'KV', caught, caught, caught)), '3/3 caught');
});

test('tag-filtered runs of one commit merge into one table; a pair in two runs pools its attempts', () => {
  const merged = mergeRuns([
    {
      file: 'a/results.json',
      run: runOf('abc123', "--tags '@shards'", pair('kv-stale-read', 'KV', caught, caught), pair('stale-shard-map', 'Handover', caught)),
    },
    { file: 'b/results.json', run: runOf('abc123', "--tags 'not @shards'", pair('kv-stale-read', 'KV', caught), pair('term-reuse', 'Repeated', missed)) },
  ]);
  assert.equal(merged.commit, 'abc123');
  assert.deepEqual(
    merged.pairs.map((p) => [p.defect, tally(p)]),
    [
      ['kv-stale-read', '3/3 caught'],
      ['stale-shard-map', '1/1 caught'],
      ['term-reuse', '0/1 caught, 1 missed'],
    ],
  );
});

test('results of different commits are refused, naming the files', () => {
  assert.throws(
    () =>
      mergeRuns([
        { file: 'a/results.json', run: runOf('abc123', 'x') },
        { file: 'b/results.json', run: runOf('def456', 'y') },
      ]),
    (e: Error) => e instanceof MergeError && /different commits/.test(e.message) && /b\/results\.json/.test(e.message),
  );
  assert.throws(() => mergeRuns([]), MergeError);
});

test('the table shows why a pair was not caught, and a closing count', () => {
  const text = renderMatrix([
    pair('kv-stale-read', 'KV', caught, missed, caught),
    pair('term-reuse', 'Repeated', caught, caught, caught),
    pair('gossip-silent', 'Boot', error),
  ]);
  assert.match(text, /kv-stale-read +KV +2\/3 caught, 1 missed +the scenario passed against the defective nodes \(40\/38\/40 s\)/);
  assert.match(text, /term-reuse +Repeated +3\/3 caught +Then the key-value history/);
  assert.match(text, /gossip-silent +Boot +0\/1 caught, 1 error +And within 15 seconds/);
  assert.match(text, /1 of 3 defect\/scenario pairs caught every time; 1 missed at least once; 1 with errors$/);
});
