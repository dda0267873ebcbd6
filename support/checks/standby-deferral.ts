// Regional standbys defer to a live dedicated global node: when `global-control` falls vacant while the
// dedicated node (role `global`) lives, no other node may take it sooner than the standby deferral after
// the vacancy. The vacancy starts when the previous lease ended (released, or expired as last reported);
// the takeover is the next lease's issue. Every takeover by a non-dedicated node is judged, and a scenario
// with none judged nothing, which is a problem too. The bootstrap lease (term 1), when seen, must be the
// dedicated node's: that is the same preference at the first vacancy of all.
import type { LeaseSeen } from './leadership-checkers';
import { seconds as s } from './format';

export interface Takeover {
  readonly from: string;
  readonly to: string;
  readonly vacantFromMs: number;
  readonly electedAtMs: number;
  readonly gapMs: number;
}

export function standbyDeferralProblems(
  leases: readonly LeaseSeen[],
  { scope, dedicated, minGapMs }: { scope: string; dedicated: readonly string[]; minGapMs: number },
): { problems: string[]; takeovers: Takeover[] } {
  const seq = leases.filter((l) => l.scope === scope);
  const takeovers: Takeover[] = [];
  for (let i = 1; i < seq.length; i++) {
    const [prev, next] = [seq[i - 1]!, seq[i]!];
    if (!dedicated.includes(prev.leaderId) || dedicated.includes(next.leaderId)) continue;
    const vacantFromMs = Math.min(prev.releasedAtMs ?? Infinity, prev.expiresAtMs ?? Infinity);
    if (!Number.isFinite(vacantFromMs)) continue;
    const electedAtMs = next.issuedAtMs ?? next.firstSeenMs;
    takeovers.push({ from: prev.leaderId, to: next.leaderId, vacantFromMs, electedAtMs, gapMs: electedAtMs - vacantFromMs });
  }
  const first = seq[0];
  const bootstrap =
    first && first.term === 1 && !dedicated.includes(first.leaderId)
      ? [`${first.leaderId} won ${scope} at bootstrap (term 1), not the dedicated ${dedicated.join(', ')}: a standby did not defer`]
      : [];
  const problems = takeovers
    .filter((t) => t.gapMs < minGapMs)
    .map(
      (t) =>
        `${t.to} took ${scope} at ${s(t.electedAtMs)}, ${s(t.gapMs)} after ${t.from}'s lease ended at ${s(t.vacantFromMs)}: sooner than the ${s(minGapMs)} a standby defers to a live dedicated node`,
    );
  problems.unshift(...bootstrap);
  if (takeovers.length === 0) {
    problems.push(
      `no node other than ${dedicated.join(', ')} took ${scope} from it after a vacancy: nothing was judged (${seq.length} leases of ${scope} seen)`,
    );
  }
  return { problems, takeovers };
}
