// What the suite observed of leadership: every event every node streamed, and the lease segments and
// elections derived from them (pure, so the timeline and the checkers share one reading).

export const EVENT_KIND = ['Snapshot', 'Observed', 'Elected', 'Renewed', 'Lost', 'Expired', 'SteppedDown'] as const;
export type EventKindName = (typeof EVENT_KIND)[number];

export interface LeadershipObservation {
  /** The node whose stream reported it. */
  readonly observer: string;
  readonly kind: EventKindName;
  readonly scope: string;
  readonly leaderId?: string;
  readonly term?: number;
  readonly fenceToken?: number;
  /** Scenario-clock ms at which the event occurred (for Snapshot: when the lease was issued). */
  readonly atMs: number;
  readonly reason?: string;
}

export interface LeaseSegment {
  readonly scope: string;
  readonly leaderId: string;
  readonly term: number;
  readonly startMs: number;
  /** Undefined while the lease is still held at the end of the observation. */
  readonly endMs?: number;
}

export interface Election {
  readonly scope: string;
  readonly leaderId: string;
  readonly term: number;
  readonly atMs: number;
}

const HOLDING: ReadonlySet<EventKindName> = new Set(['Snapshot', 'Observed', 'Elected', 'Renewed']);
const ENDING: ReadonlySet<EventKindName> = new Set(['Lost', 'Expired', 'SteppedDown']);

/** One election per (scope, term): the earliest time any node reports that term's holder. */
export function elections(observations: readonly LeadershipObservation[]): Election[] {
  const byKey = new Map<string, Election>();
  for (const o of observations) {
    if (!HOLDING.has(o.kind) || o.leaderId === undefined || o.term === undefined) continue;
    const key = `${o.scope}\u0000${o.term}`;
    const seen = byKey.get(key);
    if (!seen || o.atMs < seen.atMs) byKey.set(key, { scope: o.scope, leaderId: o.leaderId, term: o.term, atMs: o.atMs });
  }
  return [...byKey.values()].sort((a, b) => a.atMs - b.atMs || a.scope.localeCompare(b.scope));
}

/** Lease segments per scope: a term's holder from its election until the next term or an observed end. */
export function leaseSegments(observations: readonly LeadershipObservation[]): LeaseSegment[] {
  const elected = elections(observations);
  const segments: LeaseSegment[] = [];
  for (const e of elected) {
    const next = elected.find((n) => n.scope === e.scope && n.term > e.term);
    const ended = observations
      .filter((o) => o.scope === e.scope && ENDING.has(o.kind) && o.leaderId === e.leaderId && (o.term === undefined || o.term === e.term) && o.atMs >= e.atMs)
      .map((o) => o.atMs);
    const candidates = [...ended, ...(next ? [next.atMs] : [])];
    segments.push({ scope: e.scope, leaderId: e.leaderId, term: e.term, startMs: e.atMs, endMs: candidates.length ? Math.min(...candidates) : undefined });
  }
  return segments;
}

/** A streamed contract event as an observation on the scenario clock. */
export function observationFrom(
  observer: string,
  event: {
    eventKind: number;
    scope: string;
    leaderId?: string;
    reason?: string;
    occurredAt: string;
    token?: { leaderId: string; term: number; fenceToken: number; issuedAt: string };
  },
  toScenarioMs: (wall: string) => number,
): LeadershipObservation {
  const kind = EVENT_KIND[event.eventKind] ?? 'Observed';
  // A snapshot describes a lease acquired before the subscription: it happened when the lease was issued.
  const at = kind === 'Snapshot' && event.token ? event.token.issuedAt : event.occurredAt;
  return {
    observer,
    kind,
    scope: event.scope,
    leaderId: event.token?.leaderId ?? event.leaderId,
    term: event.token?.term,
    fenceToken: event.token?.fenceToken,
    atMs: toScenarioMs(at),
    reason: event.reason,
  };
}
