// The ingress rule (pure): a node about to forward a client's shard call to the shard's owner sheds
// part of it when, per gossip, the owner
//   - is in another region than this node,
//   - is Alive, and
//   - is under pressure for that shard (listed in its label's `shards`; scope "shard"),
//     or saturated as a node (label `node` = saturated; scope "node").
// Shedding is deterministic per (owner, shard): of consecutive calls, one in ADMIT_EVERY[level] is
// forwarded (elevated: 1 in 2, saturated: 1 in 4, `level` being the owner's overall level for a
// shard, saturated for the node scope); the others are answered 429 here. The first call of an
// episode is admitted, and the count restarts when the pressure clears.
import type { MemberStatus } from '../gossip/types';
import type { PressureLabel } from './label';
import type { PressureLevel } from './tracker';

export const ADMIT_EVERY: Readonly<Record<Exclude<PressureLevel, 'ok'>, number>> = { elevated: 2, saturated: 4 };

export interface OwnerView {
  nodeId: string;
  region: string;
  status: MemberStatus;
  pressure: PressureLabel | undefined;
}

export interface IngressPressure {
  scope: 'shard' | 'node';
  level: Exclude<PressureLevel, 'ok'>;
  retryAfterMs: number;
}

/** The owner's pressure that applies to a call for `shardId` entering at a node of `selfRegion`, if any. */
export function pressureForCall(selfRegion: string, owner: OwnerView | undefined, shardId: string): IngressPressure | undefined {
  if (!owner || owner.region === selfRegion || owner.status !== 'Alive') return undefined;
  const pressure = owner.pressure;
  if (!pressure || pressure.level === 'ok') return undefined;
  if (pressure.shards.includes(shardId)) return { scope: 'shard', level: pressure.level, retryAfterMs: pressure.retryAfterMs };
  if (pressure.node === 'saturated') return { scope: 'node', level: 'saturated', retryAfterMs: pressure.retryAfterMs };
  return undefined;
}

export type IngressDecision = { admit: true; pressure?: IngressPressure } | { admit: false; pressure: IngressPressure };

export class IngressThrottle {
  private readonly counts = new Map<string, number>();

  decide(selfRegion: string, owner: OwnerView | undefined, shardId: string): IngressDecision {
    const key = `${owner?.nodeId ?? ''}/${shardId}`;
    const pressure = pressureForCall(selfRegion, owner, shardId);
    if (!pressure) {
      this.counts.delete(key);
      return { admit: true };
    }
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return n % ADMIT_EVERY[pressure.level] === 0 ? { admit: true, pressure } : { admit: false, pressure };
  }
}

/** `Retry-After` in whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
