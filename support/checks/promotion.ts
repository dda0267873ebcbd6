// "The incumbent's lease is revoked": judged from the lease history, not from the promoting node's own
// answer. A revoke ends the incumbent's lease early, so the promoted lease begins before the incumbent's
// lease would have run out; a promotion that waits the incumbent out (or whose revoke missed) begins
// after it, whatever its answer says. A release would show as the incumbent stepping down by itself.
import { leasesSeen, type LeadersSnapshot } from './leadership-checkers';
import type { LeadershipObservation } from './leadership-history';
import { seconds as s } from './format';

export interface PromotionRecord {
  readonly scope: string;
  /** The node the promotion was sent to. */
  readonly candidate: string;
  /** The holder that was frozen when the promotion came. */
  readonly incumbent: string;
  /** What the promoting node answered. */
  readonly answer: { readonly method?: string; readonly previousLeaderId?: string };
}

/** How early, at least, the promoted lease must begin before the incumbent's own deadline. */
export const EARLY_BY_MS = 500;

export function promotionRevokedProblems(p: PromotionRecord, snapshots: readonly LeadersSnapshot[], observations: readonly LeadershipObservation[]): string[] {
  const problems: string[] = [];
  if (p.answer.method !== 'revoked') problems.push(`the promotion answered method ${JSON.stringify(p.answer.method ?? null)}, not "revoked"`);
  if (p.answer.previousLeaderId !== p.incumbent)
    problems.push(`the promotion named ${p.answer.previousLeaderId ?? 'nobody'} as the previous holder, not ${p.incumbent}`);
  const leases = leasesSeen(snapshots, observations).filter((l) => l.scope === p.scope);
  const promoted = leases.find((l) => l.leaderId === p.candidate && leases.some((o) => o.leaderId === p.incumbent && o.fence < l.fence));
  const incumbent = promoted && [...leases].reverse().find((l) => l.leaderId === p.incumbent && l.fence < promoted.fence);
  if (!promoted || !incumbent)
    return [...problems, `no lease of ${p.candidate} followed one of ${p.incumbent} in ${p.scope}: the lease history shows no promotion`];
  // The incumbent's own deadline: the earliest its lease could end by expiry (etcd's expiry is later).
  const ownDeadline = Math.max(
    ...snapshots.flatMap((x) =>
      x.observer === p.incumbent ? x.tokens.filter((t) => t.scope === p.scope && t.fenceToken === incumbent.fence).map((t) => t.expiresAtMs) : [],
    ),
  );
  const began = promoted.issuedAtMs ?? promoted.firstSeenMs;
  if (!Number.isFinite(ownDeadline))
    problems.push(`${p.incumbent} never reported its lease (fence ${incumbent.fence}), so nothing shows when it would have run out`);
  else if (began > ownDeadline - EARLY_BY_MS) {
    problems.push(
      `${p.candidate}'s lease (fence ${promoted.fence}) began at ${s(began)}, ${began >= ownDeadline ? `${s(began - ownDeadline)} after` : `only ${s(ownDeadline - began)} before`} ${p.incumbent}'s lease (fence ${incumbent.fence}) ran out at ${s(ownDeadline)}: it was waited out, not revoked`,
    );
  }
  if (incumbent.releasedAtMs !== undefined)
    problems.push(`${p.incumbent} released its lease (fence ${incumbent.fence}) itself at ${s(incumbent.releasedAtMs)}: released, not revoked`);
  return problems;
}
