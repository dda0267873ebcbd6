// Geo-affinity verdicts over a history of client calls whose results carry the region that served them
// (relay-node's X-Mesh-Served-Region, recorded by the load driver as `servedRegion`). Pure.
import type { Op } from './history';
import type { Sample } from './prometheus';

export interface ServedTally {
  /** Calls completed in the window, ok or not. */
  readonly completed: number;
  readonly ok: number;
  /** Acknowledged calls per serving region. */
  readonly byRegion: Readonly<Record<string, number>>;
}

export function servedRegionOf(op: Op): string | undefined {
  const r = op.result as { servedRegion?: unknown } | undefined;
  return typeof r?.servedRegion === 'string' ? r.servedRegion : undefined;
}

/** What the clients saw for calls of `procedure` that completed in [fromMs, toMs). */
export function tallyServed(ops: readonly Op[], procedure: string, fromMs: number, toMs: number): ServedTally {
  const byRegion: Record<string, number> = {};
  let completed = 0;
  let ok = 0;
  for (const op of ops) {
    if (op.f !== procedure || op.completeMs === undefined || op.completeMs < fromMs || op.completeMs >= toMs) continue;
    completed++;
    if (op.outcome !== 'ok') continue;
    ok++;
    const region = servedRegionOf(op) ?? '(not said)';
    byRegion[region] = (byRegion[region] ?? 0) + 1;
  }
  return { completed, ok, byRegion };
}

/**
 * Problems with "the clients' calls are served in `region`": too few calls to judge, or less than
 * `share` of the completed ones acknowledged from that region.
 */
export function servedInProblems(tally: ServedTally, region: string, share: number, minimum: number): string[] {
  if (tally.completed < minimum) return [`only ${tally.completed} calls completed in the window (at least ${minimum} needed to judge)`];
  const inRegion = tally.byRegion[region] ?? 0;
  if (inRegion >= share * tally.completed) return [];
  const seen =
    Object.entries(tally.byRegion)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ') || 'none acknowledged';
  return [`${inRegion} of ${tally.completed} calls were served in ${region} (at least ${Math.round(share * 100)} % expected); served: ${seen}`];
}

/**
 * The routing metrics (calls the entry nodes routed, per serving region) agree with what the clients saw
 * (calls acknowledged, per serving region), within `slack`: attempts the clients retried or never saw
 * answered are counted by the nodes but not acknowledged by a client.
 */
export function routingAgreementProblems(routed: Readonly<Record<string, number>>, seen: Readonly<Record<string, number>>, slack: number): string[] {
  const problems: string[] = [];
  for (const region of [...new Set([...Object.keys(routed), ...Object.keys(seen)])].sort()) {
    const r = routed[region] ?? 0;
    const s = seen[region] ?? 0;
    if (s > r) problems.push(`clients saw ${s} calls served in ${region}, but the nodes routed only ${r} there`);
    else if (r - s > slack)
      problems.push(
        `the nodes routed ${r} calls to ${region}, the clients saw ${s} served there (difference ${r - s}, more than the ${slack} retried or unanswered attempts)`,
      );
  }
  return problems;
}

/** Per second of the scenario: acknowledged calls per serving region (the clients' own view over time). */
export function servedPerSecond(ops: readonly Op[], procedure: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const op of ops) {
    if (op.f !== procedure || op.outcome !== 'ok' || op.completeMs === undefined) continue;
    const slot = (out[String(Math.floor(op.completeMs / 1000))] ??= {});
    const region = servedRegionOf(op) ?? '(not said)';
    slot[region] = (slot[region] ?? 0) + 1;
  }
  return out;
}

/**
 * How many calls homed in `home` each region served, by the entry nodes' `metric` counters: each series'
 * rise since its baseline, summed per `mesh_served_region`.
 */
export function routedSince(now: readonly Sample[], baseline: readonly Sample[], metric: string, home: string): Record<string, number> {
  const routed: Record<string, number> = {};
  for (const s of now) {
    if (s.name !== metric || s.labels.mesh_home_region !== home) continue;
    const was = baseline.find((b) => b.name === metric && JSON.stringify(b.labels) === JSON.stringify(s.labels))?.value ?? 0;
    const region = s.labels.mesh_served_region ?? '(unlabelled)';
    routed[region] = (routed[region] ?? 0) + s.value - was;
  }
  return routed;
}

/** The clients saw their calls served in more than one region: the scenario did move them. */
export function clientsMovedProblems(seen: Readonly<Record<string, number>>): string[] {
  const regions = Object.keys(seen);
  return regions.length < 2 ? [`the clients saw their calls served in ${regions.join(', ') || 'no region'} only: they never moved`] : [];
}
