import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clearedProblems,
  herdProblems,
  ingressThrottleProblems,
  ownerCountersRoseProblems,
  pressureSeenProblems,
  parseThrottled,
  recordedProblems,
  throttledBeforeTimeoutProblems,
} from './backpressure';
import type { ThrottleSummary } from '../fabric/load-driver';
import type { PressureEpisode, PressureView } from '../fabric/contract';

const throttled = (over: Partial<ThrottleSummary> = {}): ThrottleSummary => ({
  tries: 30,
  byNode: { 'east-1': 20, 'west-1': 10 },
  firstAtMsByNode: { 'east-1': 4_300, 'west-1': 4_100 },
  byPressured: { 'west/west-1/shard-09': 30 },
  firstAtMs: 4_100,
  firstRetryAfter: '2',
  ...over,
});

function view(nodeId: string, over: Partial<PressureView> = {}, local: Partial<PressureView['local']> = {}): PressureView {
  return {
    generatedAt: '2026-01-01T10:00:10.000Z',
    nodeId,
    local: { nodeId, region: 'x', level: 'ok', node: 'ok', shards: [], published: true, budgets: { shardQps: 0, nodeQps: 10 }, ...local },
    members: [],
    ...over,
  };
}

const episode = (over: Partial<PressureEpisode> = {}): PressureEpisode => ({
  nodeId: 'west-1',
  region: 'west',
  level: 'saturated',
  shards: [],
  since: '2026-01-01T10:00:01.000Z',
  firstSeenAt: '2026-01-01T10:00:02.000Z',
  lastSeenAt: '2026-01-01T10:00:05.000Z',
  ...over,
});

test('X-Mesh-Throttled reads as region/node/shard; anything else does not', () => {
  assert.deepEqual(parseThrottled('west/west-1/shard-09'), { region: 'west', node: 'west-1', shardId: 'shard-09' });
  assert.equal(parseThrottled('west-1'), undefined);
  assert.equal(parseThrottled('a/b/c/d'), undefined);
});

test('ingress throttling: passes when an ingress node shed calls naming the owner, with Retry-After ≥ 1', () => {
  assert.deepEqual(ingressThrottleProblems(throttled(), ['east-1', 'east-2'], 'west-1', 'shard-09'), []);
});

test('ingress throttling: throttled only by the owner (pressure never reached the ingress) is a problem', () => {
  const problems = ingressThrottleProblems(throttled({ byNode: { 'west-1': 30 } }), ['east-1', 'east-2'], 'west-1', 'shard-09');
  assert.deepEqual(problems, ['no call was throttled by the ingress (east-1, east-2); throttled answers came from west-1: 30']);
  assert.match(
    ingressThrottleProblems(
      throttled({ tries: 0, byNode: {}, firstAtMsByNode: {}, byPressured: {}, firstAtMs: undefined, firstRetryAfter: undefined }),
      ['east-1'],
      'west-1',
      'shard-09',
    )[0]!,
    /came from nowhere/,
  );
});

test('ingress throttling: the wrong node or shard named, a malformed header, or no Retry-After are problems', () => {
  const problems = ingressThrottleProblems(
    throttled({ byPressured: { 'west/west-2/shard-09': 3, 'west/west-1/shard-10': 2, garbage: 1 }, firstRetryAfter: undefined }),
    ['east-1'],
    'west-1',
    'shard-09',
  );
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0]!, /named west\/west-2\/shard-09/);
  assert.match(problems[1]!, /west\/west-1\/shard-10/);
  assert.match(problems[2]!, /"garbage", not <region>/);
  assert.match(problems[3]!, /Retry-After null/);
  assert.match(ingressThrottleProblems(throttled({ firstRetryAfter: '0' }), ['east-1'], 'west-1', 'shard-09')[0]!, /Retry-After "0"/);
});

test('throttled before any timeout: no timeout, or a later one, passes; an earlier or simultaneous one, or no throttle, fails', () => {
  assert.deepEqual(throttledBeforeTimeoutProblems(throttled(), undefined), []);
  assert.deepEqual(throttledBeforeTimeoutProblems(throttled(), 9_000), []);
  assert.deepEqual(throttledBeforeTimeoutProblems(throttled(), 3_000), ['a call timed out at 3.00 s, before the first throttled answer at 4.10 s']);
  assert.equal(throttledBeforeTimeoutProblems(throttled(), 4_100).length, 1);
  assert.deepEqual(throttledBeforeTimeoutProblems(throttled({ firstAtMs: undefined }), undefined), ['no call was throttled']);
});

test('recorded: an episode for the owner passes (node scope names no shard; shard scope must name the shard)', () => {
  assert.deepEqual(recordedProblems(view('global-1', { recorded: [episode()] }), 'west-1', 'shard-09'), []);
  assert.deepEqual(recordedProblems(view('global-1', { recorded: [episode({ shards: ['shard-09'] })] }), 'west-1', 'shard-09'), []);
  assert.match(
    recordedProblems(view('global-1', { recorded: [episode({ shards: ['shard-10'] })] }), 'west-1', 'shard-09')[0]!,
    /for shard-10, not for shard-09/,
  );
});

test('recorded: no record on a non-leader, or none for the owner, is a problem that says what there was', () => {
  assert.deepEqual(recordedProblems(view('east-1'), 'west-1', 'shard-09'), ['east-1 keeps no record of pressure: it does not hold global-control']);
  assert.deepEqual(recordedProblems(view('global-1', { recorded: [] }), 'west-1', 'shard-09'), ['global-1 recorded no pressure on west-1']);
  assert.deepEqual(recordedProblems(view('global-1', { recorded: [episode({ nodeId: 'west-2' })] }), 'west-1', 'shard-09'), [
    'global-1 recorded no pressure on west-1; it recorded west-2 (saturated)',
  ]);
});

test('cleared: every node ok, no member seen under pressure, the leader closed its episodes for the owner', () => {
  const closed = episode({ clearedAt: '2026-01-01T10:00:08.000Z' });
  const calm = new Map([
    ['global-1', view('global-1', { recorded: [closed], members: [{ nodeId: 'west-1', region: 'west', status: 'Alive', level: 'ok', shards: [] }] })],
    ['west-1', view('west-1')],
  ]);
  assert.deepEqual(clearedProblems(calm, 'global-1', 'west-1'), []);
});

test('cleared: a node still under pressure, a member still seen so, an open episode or none at all are problems', () => {
  const views = new Map([
    ['global-1', view('global-1', { recorded: [episode()], members: [{ nodeId: 'west-1', region: 'west', status: 'Alive', level: 'elevated', shards: [] }] })],
    ['west-1', view('west-1', {}, { level: 'saturated', since: '2026-01-01T10:00:01.000Z' })],
  ]);
  assert.deepEqual(clearedProblems(views, 'global-1', 'west-1'), [
    'global-1 still sees west-1 elevated',
    'west-1 is still saturated (since 2026-01-01T10:00:01.000Z)',
    "the global leader's episode for west-1 (first seen 2026-01-01T10:00:02.000Z) is not closed",
  ]);
  assert.deepEqual(clearedProblems(new Map([['global-1', view('global-1', { recorded: [] })]]), 'global-1', 'west-1'), [
    'the global leader global-1 has no record of pressure on west-1',
  ]);
  assert.deepEqual(clearedProblems(new Map(), 'global-1', 'west-1'), ['the global leader global-1 did not answer']);
});

test('herd: tries per second from the first throttled second on must stay under the limit; earlier seconds do not count', () => {
  const run = { startedAtMs: 1_000, triesPerSecond: [80, 33, 24, 28, 12], throttled: throttled({ firstAtMs: 3_100 }) };
  assert.deepEqual(herdProblems(run, 30), [], 'second 0 (80) came before any throttle');
  assert.deepEqual(herdProblems(run, 28), ['28 tries in second 3 of the run (throttled from second 2), at least the limit of 28']);
  assert.deepEqual(herdProblems({ ...run, throttled: throttled({ firstAtMs: undefined }) }, 30), ['no call was throttled']);
});

test('pressure seen: a node under pressure or seeing another member so is named; its own entry among the members is not counted twice', () => {
  const self = { nodeId: 'west-1', region: 'west', status: 'Alive' as const, level: 'saturated' as const, shards: [] };
  const pressured = view('west-1', { members: [self] }, { level: 'saturated' });
  const watcher = view('east-1', { members: [self] });
  assert.deepEqual(pressureSeenProblems([pressured, watcher]), ['west-1 is still saturated', 'east-1 still sees west-1 saturated']);
  assert.deepEqual(pressureSeenProblems([view('east-1')]), []);
});

test('the owner counters rose: both must, and each one that did not is named', () => {
  assert.deepEqual(ownerCountersRoseProblems({ rejections: 3, toSaturated: 1 }), []);
  assert.deepEqual(ownerCountersRoseProblems({ rejections: 0, toSaturated: 0 }), [
    'mesh_backpressure_rejections_total has not risen',
    'mesh_backpressure_transitions_total{mesh_level="saturated"} has not risen',
  ]);
});
