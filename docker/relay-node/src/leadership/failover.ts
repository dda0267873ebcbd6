// Failover detection for the `mesh.failover` span: remembers, per scope, the last holder this node
// saw (Observed/Elected) and how its lease ended (Expired: expired or revoked; SteppedDown: released).
// When this node is then Elected by a real acquisition and that previous holder was another node,
// it is a failover. Pure: fed with the events LeadershipEvents publishes.
import { LeadershipEventKind, type LeaseToken } from './types';

export interface Failover {
  scope: string;
  previousLeader: string;
  newLeader: string;
  /**
   * How the previous holder's lease ended, as this node observed it: `expired`, `revoked`, `released`;
   * `promoted` when this node's promotion released or revoked it (no end observed in between);
   * `vacated` when the lease was gone at acquisition before this node observed how it ended.
   */
  reason: 'expired' | 'revoked' | 'released' | 'promoted' | 'vacated';
  /** When this node observed the end of the previous lease (unix ms), when it did. */
  vacantSinceMs?: number;
  vacancyMs?: number;
}

interface Holder {
  leaderId: string;
  fenceToken: number;
  ended?: { reason: 'expired' | 'revoked' | 'released'; atMs: number };
}

export class FailoverWatch {
  private readonly holders = new Map<string, Holder>();

  /** Feeds one published event; returns the failover it completes, if any. */
  note(kind: LeadershipEventKind, scope: string, token: LeaseToken | undefined, reason: string | undefined, nowMs: number): Failover | undefined {
    if (!token) return undefined;
    switch (kind) {
      case LeadershipEventKind.Observed:
        this.holders.set(scope, { leaderId: token.leaderId, fenceToken: token.fenceToken });
        return undefined;
      case LeadershipEventKind.Expired:
      case LeadershipEventKind.SteppedDown: {
        const ended = {
          reason: kind === LeadershipEventKind.SteppedDown ? 'released' : reason?.startsWith('revoked') ? 'revoked' : 'expired',
          atMs: nowMs,
        } as const;
        const holder = this.holders.get(scope);
        // Only the end of the lease last seen counts (a late end event of an older lease does not).
        if (!holder || (holder.leaderId === token.leaderId && holder.fenceToken === token.fenceToken && !holder.ended)) {
          this.holders.set(scope, { leaderId: token.leaderId, fenceToken: token.fenceToken, ended });
        }
        return undefined;
      }
      case LeadershipEventKind.Elected: {
        const previous = this.holders.get(scope);
        this.holders.set(scope, { leaderId: token.leaderId, fenceToken: token.fenceToken });
        // `etcd-unreachable` (seeded defect leader-without-quorum) is a declaration, not an acquisition.
        if (!previous || previous.leaderId === token.leaderId || (reason !== 'acquired' && reason !== 'promoted')) return undefined;
        return {
          scope,
          previousLeader: previous.leaderId,
          newLeader: token.leaderId,
          reason: previous.ended?.reason ?? (reason === 'promoted' ? 'promoted' : 'vacated'),
          ...(previous.ended ? { vacantSinceMs: previous.ended.atMs, vacancyMs: Math.max(0, nowMs - previous.ended.atMs) } : {}),
        };
      }
      default:
        return undefined;
    }
  }
}
