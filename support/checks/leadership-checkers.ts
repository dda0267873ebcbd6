// Checkers over the leadership history of a scenario: what every node said, in its streamed events and
// in the suite's polls of /control/leaders. Pure: the World records, these judge.
import type { LeaseToken } from '../fabric/contract';
import type { LeadershipObservation } from './leadership-history';
import { seconds as s } from './format';

/** One poll of one node's /control/leaders, on the scenario clock. */
export interface LeadersSnapshot {
  readonly observer: string;
  readonly atMs: number;
  readonly tokens: readonly SnapshotToken[];
}

export interface SnapshotToken {
  readonly scope: string;
  readonly leaderId: string;
  readonly term: number;
  readonly fenceToken: number;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * Jepsen's three answers: `unknown` when the check could not decide (a search over its budget, a probe
 * that never observed anything). Unknown is not a pass: the step fails either way.
 */
export type VerdictOutcome = 'ok' | 'failed' | 'unknown';

export interface Verdict {
  readonly checker: string;
  /** The text of the step that reached it, as the feature says it (absent outside a scenario). */
  readonly step?: string;
  readonly outcome: VerdictOutcome;
  /** What was wrong (failed) or what could not be decided (unknown); empty when ok. */
  readonly problems: readonly string[];
  /** Scenario-clock time the verdict was reached. */
  readonly atMs: number;
  readonly detail?: unknown;
}

/**
 * A poll's tokens on the scenario clock. Without `toScenarioMs` (node clocks distrusted, e.g. skewed) a
 * token counts from the poll and has no known end: the node's own word that the lease is current is the
 * claim, whatever instants its clock wrote into it.
 */
export function snapshotFrom(observer: string, atMs: number, tokens: readonly LeaseToken[], toScenarioMs?: (wall: string) => number): LeadersSnapshot {
  return {
    observer,
    atMs,
    tokens: tokens.map((t) => ({
      scope: t.scope,
      leaderId: t.leaderId,
      term: t.term,
      fenceToken: t.fenceToken,
      issuedAtMs: toScenarioMs ? toScenarioMs(t.issuedAt) : atMs,
      expiresAtMs: toScenarioMs ? toScenarioMs(t.expiresAt) : Number.POSITIVE_INFINITY,
    })),
  };
}

/**
 * No scope ever had two different leaders at the same time. A node *claims* a scope when its own
 * /control/leaders names itself holder with an unexpired lease; two claims by different nodes whose
 * claim periods overlap are split brain, whatever etcd says. A poll is timed when it was sent and the node
 * answers a little later, so a claim in a poll sent before the lease was issued starts at its issue time:
 * otherwise a successor polled in the same round as its predecessor's last claim would overlap it by the
 * poll's own latency.
 */
export function splitBrainProblems(snapshots: readonly LeadersSnapshot[]): string[] {
  const periods = new Map<string, { scope: string; leaderId: string; fence: number; from: number; to: number }>();
  for (const snap of snapshots) {
    for (const t of snap.tokens) {
      if (t.leaderId !== snap.observer || t.expiresAtMs <= snap.atMs) continue;
      const key = `${t.scope}\u0000${t.leaderId}\u0000${t.fenceToken}`;
      const from = Math.max(snap.atMs, t.issuedAtMs);
      const p = periods.get(key);
      if (p) {
        p.from = Math.min(p.from, from);
        p.to = Math.max(p.to, from);
      } else periods.set(key, { scope: t.scope, leaderId: t.leaderId, fence: t.fenceToken, from, to: from });
    }
  }
  const problems: string[] = [];
  const all = [...periods.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.from - b.from);
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length && all[j]!.scope === all[i]!.scope; j++) {
      const [a, b] = [all[i]!, all[j]!];
      if (a.leaderId !== b.leaderId && b.from <= a.to) {
        problems.push(
          `${a.scope}: ${a.leaderId} (fence ${a.fence}, claimed ${s(a.from)}–${s(a.to)}) and ${b.leaderId} (fence ${b.fence}, claimed ${s(b.from)}–${s(b.to)}) both acted as leader`,
        );
      }
    }
  }
  return problems;
}

export interface LeaseSeen {
  scope: string;
  fence: number;
  term: number;
  leaderId: string;
  /** Every node seen holding this fence; more than one means a lease changed hands without a new fence. */
  holders: string[];
  firstSeenMs: number;
  issuedAtMs?: number;
  /** Latest expiry anyone reported for it. */
  expiresAtMs?: number;
  /** When its holder released it (SteppedDown), if it did. */
  releasedAtMs?: number;
}

/** Every distinct lease (scope, fence) seen in polls and streams. */
export function leasesSeen(snapshots: readonly LeadersSnapshot[], observations: readonly LeadershipObservation[]): LeaseSeen[] {
  const byKey = new Map<string, LeaseSeen>();
  const see = (scope: string, fence: number, term: number, leaderId: string, atMs: number) => {
    const key = `${scope}\u0000${fence}`;
    let lease = byKey.get(key);
    if (!lease) byKey.set(key, (lease = { scope, fence, term, leaderId, holders: [leaderId], firstSeenMs: atMs }));
    if (!lease.holders.includes(leaderId)) lease.holders.push(leaderId);
    lease.firstSeenMs = Math.min(lease.firstSeenMs, atMs);
    return lease;
  };
  for (const snap of snapshots) {
    for (const t of snap.tokens) {
      const lease = see(t.scope, t.fenceToken, t.term, t.leaderId, snap.atMs);
      lease.issuedAtMs = t.issuedAtMs;
      lease.expiresAtMs = Math.max(lease.expiresAtMs ?? -Infinity, t.expiresAtMs);
    }
  }
  for (const o of observations) {
    if (o.fenceToken === undefined || o.term === undefined || o.leaderId === undefined) continue;
    const lease = see(o.scope, o.fenceToken, o.term, o.leaderId, o.atMs);
    if (o.kind === 'SteppedDown' && o.observer === o.leaderId) lease.releasedAtMs = Math.min(lease.releasedAtMs ?? Infinity, o.atMs);
  }
  return [...byKey.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.fence - b.fence);
}

/** Per scope, fence tokens and terms strictly increase, in fence order and in the order leases appeared. */
export function monotonicityProblems(leases: readonly LeaseSeen[]): string[] {
  const problems: string[] = [];
  const scopes = [...new Set(leases.map((l) => l.scope))];
  for (const scope of scopes) {
    const byFence = leases.filter((l) => l.scope === scope);
    for (const l of byFence) {
      if (l.holders.length > 1)
        problems.push(`${scope}: fence ${l.fence} (term ${l.term}) was held by ${l.holders.join(' and ')}: the lease changed hands without a new fence`);
    }
    for (let i = 1; i < byFence.length; i++) {
      const [a, b] = [byFence[i - 1]!, byFence[i]!];
      if (b.term <= a.term)
        problems.push(
          `${scope}: term did not increase: fence ${a.fence} had term ${a.term} (${a.leaderId}), fence ${b.fence} has term ${b.term} (${b.leaderId})`,
        );
    }
    const byAppearance = [...byFence].sort((a, b) => a.firstSeenMs - b.firstSeenMs);
    for (let i = 1; i < byAppearance.length; i++) {
      const [a, b] = [byAppearance[i - 1]!, byAppearance[i]!];
      if (b.fence < a.fence)
        problems.push(
          `${scope}: a later lease has a lower fence: ${b.leaderId} (fence ${b.fence}, seen ${s(b.firstSeenMs)}) after ${a.leaderId} (fence ${a.fence}, seen ${s(a.firstSeenMs)})`,
        );
    }
  }
  return problems;
}

/**
 * Every election completed within the window: from the moment a lease ended (released, or expired as
 * last reported) to the next lease's issue; and no scope left vacant longer than the window at the end.
 */
export function electionWindowProblems(leases: readonly LeaseSeen[], windowMs: number, endMs: number): string[] {
  const problems: string[] = [];
  const ended = (l: LeaseSeen) => Math.min(l.releasedAtMs ?? Infinity, l.expiresAtMs ?? Infinity);
  for (const scope of [...new Set(leases.map((l) => l.scope))]) {
    const seq = leases.filter((l) => l.scope === scope);
    for (let i = 1; i < seq.length; i++) {
      const [prev, next] = [seq[i - 1]!, seq[i]!];
      const vacantFrom = ended(prev);
      const electedAt = next.issuedAtMs ?? next.firstSeenMs;
      if (Number.isFinite(vacantFrom) && electedAt - vacantFrom > windowMs) {
        problems.push(
          `${scope}: vacant from ${s(vacantFrom)} (${prev.leaderId}, fence ${prev.fence} ended) until ${next.leaderId} was elected at ${s(electedAt)}: ${s(electedAt - vacantFrom)} > window ${s(windowMs)}`,
        );
      }
    }
    const last = seq[seq.length - 1];
    if (last) {
      const vacantFrom = ended(last);
      if (Number.isFinite(vacantFrom) && endMs - vacantFrom > windowMs) {
        problems.push(`${scope}: no leader since ${last.leaderId}'s lease (fence ${last.fence}) ended at ${s(vacantFrom)}; still none at ${s(endMs)}`);
      }
    }
  }
  return problems;
}
