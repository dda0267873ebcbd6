// Cross-region backpressure verdicts (feature:mesh-backpressure; docker/relay-node/docs/backpressure.md):
// over what the clients saw (the load driver's throttle counts) and what the nodes report at
// GET /control/pressure. Pure.
import type { ThrottleSummary } from '../fabric/load-driver';
import type { PressureEpisode, PressureView } from '../fabric/contract';
import { seconds } from './format';

/** `X-Mesh-Throttled: <region>/<node>/<shardId>`: the node under pressure, and the call's shard. */
export interface Pressured {
  readonly region: string;
  readonly node: string;
  readonly shardId: string;
}

export function parseThrottled(value: string): Pressured | undefined {
  const m = /^([^/\s]+)\/([^/\s]+)\/([^/\s]+)$/.exec(value.trim());
  return m ? { region: m[1]!, node: m[2]!, shardId: m[3]! } : undefined;
}

/**
 * Problems with "the clients were throttled at the ingress": at least one throttled answer came from an
 * `ingress` node (it shed the call before it crossed regions), every throttled answer named `owner` and
 * `shardId` as the pressure, and the first one told the client when to come back (Retry-After ≥ 1 s).
 */
export function ingressThrottleProblems(throttled: ThrottleSummary, ingress: readonly string[], owner: string, shardId: string): string[] {
  const problems: string[] = [];
  const atIngress = ingress.reduce((n, id) => n + (throttled.byNode[id] ?? 0), 0);
  if (atIngress === 0) {
    const from = Object.entries(throttled.byNode).map(([id, n]) => `${id}: ${n}`);
    problems.push(`no call was throttled by the ingress (${ingress.join(', ')}); throttled answers came from ${from.length ? from.join(', ') : 'nowhere'}`);
  }
  for (const [value, n] of Object.entries(throttled.byPressured)) {
    const p = parseThrottled(value);
    if (!p) problems.push(`${n} answer(s) carried X-Mesh-Throttled ${JSON.stringify(value)}, not <region>/<node>/<shard>`);
    else if (p.node !== owner || p.shardId !== shardId) problems.push(`${n} answer(s) named ${value} as the pressure, expected ${owner} and ${shardId}`);
  }
  const retryAfter = throttled.firstRetryAfter === undefined ? NaN : Number(throttled.firstRetryAfter);
  if (throttled.tries > 0 && !(retryAfter >= 1))
    problems.push(
      `the first throttled answer had Retry-After ${JSON.stringify(throttled.firstRetryAfter ?? null)}: clients are not told to wait at least a second`,
    );
  return problems;
}

/** Problems with "the clients were throttled before any call timed out" (times on one clock, ms). */
export function throttledBeforeTimeoutProblems(throttled: ThrottleSummary, firstTimeoutAtMs: number | undefined): string[] {
  if (throttled.firstAtMs === undefined) return ['no call was throttled'];
  if (firstTimeoutAtMs !== undefined && firstTimeoutAtMs <= throttled.firstAtMs) {
    return [`a call timed out at ${seconds(firstTimeoutAtMs)}, before the first throttled answer at ${seconds(throttled.firstAtMs)}`];
  }
  return [];
}

/**
 * Problems with "once throttled, the clients sent fewer than `limit` tries per second" (retries
 * included): a client that waits out each Retry-After slows down when throttled; one that retries at
 * once turns shed calls into a herd. Seconds are counted from the run's start (`triesPerSecond`), from
 * the one holding the first throttled answer.
 */
export function herdProblems(run: { startedAtMs: number; triesPerSecond: readonly number[]; throttled: ThrottleSummary }, limit: number): string[] {
  if (run.throttled.firstAtMs === undefined) return ['no call was throttled'];
  const first = Math.max(0, Math.floor((run.throttled.firstAtMs - run.startedAtMs) / 1000));
  const over = run.triesPerSecond.map((n, s) => ({ s, n })).filter(({ s, n }) => s >= first && n >= limit);
  return over.map(({ s, n }) => `${n} tries in second ${s} of the run (throttled from second ${first}), at least the limit of ${limit}`);
}

/** The global leader's episodes for `owner`. */
export function episodesOf(view: PressureView, owner: string): PressureEpisode[] {
  return (view.recorded ?? []).filter((e) => e.nodeId === owner);
}

/** Problems with "the global leader recorded pressure on `owner` (for `shardId`)". */
export function recordedProblems(view: PressureView, owner: string, shardId: string): string[] {
  if (view.recorded === undefined) return [`${view.nodeId} keeps no record of pressure: it does not hold global-control`];
  const episodes = episodesOf(view, owner);
  if (episodes.length === 0) {
    const others = view.recorded.map((e) => `${e.nodeId} (${e.level})`);
    return [`${view.nodeId} recorded no pressure on ${owner}${others.length ? `; it recorded ${others.join(', ')}` : ''}`];
  }
  // Under a node budget the label names no shard; under a shard budget it must name this one.
  if (!episodes.some((e) => e.level !== 'ok' && (e.shards.length === 0 || e.shards.includes(shardId)))) {
    return [`${view.nodeId} recorded ${owner} under pressure for ${episodes.flatMap((e) => e.shards).join(', ') || 'no shard'}, not for ${shardId}`];
  }
  return [];
}

/** Nodes still under pressure, and nodes that still see another member under pressure. */
export function pressureSeenProblems(views: Iterable<PressureView>): string[] {
  const problems: string[] = [];
  for (const view of views) {
    const id = view.nodeId;
    if (view.local.level !== 'ok') problems.push(`${id} is still ${view.local.level}${view.local.since ? ` (since ${view.local.since})` : ''}`);
    for (const m of view.members) if (m.nodeId !== id && m.level !== 'ok') problems.push(`${id} still sees ${m.nodeId} ${m.level}`);
  }
  return problems;
}

/**
 * Problems with "the pressure has cleared everywhere": every node's own level is ok, no node still sees a
 * member under pressure, and the leader closed every episode it recorded for `owner` (and recorded one).
 */
export function clearedProblems(views: ReadonlyMap<string, PressureView>, leader: string, owner: string): string[] {
  const problems = pressureSeenProblems(views.values());
  const leaderView = views.get(leader);
  if (!leaderView) problems.push(`the global leader ${leader} did not answer`);
  else {
    const episodes = episodesOf(leaderView, owner);
    if (episodes.length === 0) problems.push(`the global leader ${leader} has no record of pressure on ${owner}`);
    for (const e of episodes.filter((x) => x.clearedAt === undefined))
      problems.push(`the global leader's episode for ${owner} (first seen ${e.firstSeenAt}) is not closed`);
  }
  return problems;
}

/** The owner refused calls over its budget and went saturated: both counters rose over the baseline. */
export function ownerCountersRoseProblems(rise: { rejections: number; toSaturated: number }): string[] {
  return [
    ...(rise.rejections > 0 ? [] : ['mesh_backpressure_rejections_total has not risen']),
    ...(rise.toSaturated > 0 ? [] : ['mesh_backpressure_transitions_total{mesh_level="saturated"} has not risen']),
  ];
}
