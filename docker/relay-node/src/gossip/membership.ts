// The membership table and its merge rules, free of I/O so they are unit-tested directly.
//
// Rules:
// - A direct exchange with a member (it sent us a message, or answered ours) marks it Alive now,
//   and its own metadata is taken as authoritative.
// - A third-party snapshot wins when its `lastSeen` is newer than ours (each node stamps its own
//   entry when it sends) or its `metadataVersion` is higher. Only newer news refreshes a member.
// - Status is derived from how long ago we last had news: Alive below the suspicion timeout,
//   Suspect below the left timeout, Left after that. A snapshot's own status field is not trusted:
//   a third party's old view must not resurrect or bury a member.
// - Timestamps from other nodes are clamped to our clock, so a peer whose clock runs ahead cannot
//   keep a dead member alive beyond the timeouts.
import { type Defects, NO_DEFECTS } from '../defects';
import { DRAINING_VALUE, MAX_MEMBERS_PER_ENVELOPE, SHARD_LABEL, type MemberMetadata, type MemberSnapshot, type MemberStatus } from './types';

export interface MembershipTimers {
  suspicionMs: number;
  leftMs: number;
}

export interface StatusChange {
  nodeId: string;
  from: MemberStatus | undefined;
  to: MemberStatus;
  metadata: MemberMetadata;
}

interface MemberState {
  metadata: MemberMetadata;
  /** Newest `lastSeen` we know of, in epoch ms (as reported, clamped to our clock). */
  lastSeenMs: number;
  rttMs: number | undefined;
  status: MemberStatus;
}

export function statusForAge(ageMs: number, timers: MembershipTimers): MemberStatus {
  if (ageMs < timers.suspicionMs) return 'Alive';
  if (ageMs < timers.leftMs) return 'Suspect';
  return 'Left';
}

export class MembershipTable {
  private readonly members = new Map<string, MemberState>();

  constructor(
    private local: MemberMetadata,
    private readonly timers: MembershipTimers,
    /** gossip-left-forever and drained-member-stays-suspect act here. */
    private readonly defects: Defects = NO_DEFECTS,
  ) {}

  /** Under gossip-left-forever, a Left member stays Left whatever it or others say. */
  private ignored(existing: MemberState | undefined): boolean {
    return this.defects.has('gossip-left-forever') && existing?.status === 'Left';
  }

  get localNodeId(): string {
    return this.local.nodeId;
  }

  get localMetadata(): MemberMetadata {
    return this.local;
  }

  /** Changes our advertised metadata; the version bump makes it win everywhere. */
  updateLocalMetadata(update: (current: MemberMetadata) => Omit<MemberMetadata, 'metadataVersion'>): MemberMetadata {
    this.local = { ...update(this.local), nodeId: this.local.nodeId, metadataVersion: this.local.metadataVersion + 1 };
    return this.local;
  }

  /** The member talked to us directly (or answered us): Alive now, its own metadata wins. */
  recordDirect(sender: MemberMetadata, nowMs: number, rttMs?: number): StatusChange[] {
    if (sender.nodeId === this.local.nodeId) return [];
    const existing = this.members.get(sender.nodeId);
    if (this.ignored(existing)) return [];
    const state: MemberState = {
      metadata: sender,
      lastSeenMs: Math.max(existing?.lastSeenMs ?? 0, nowMs),
      rttMs: rttMs ?? existing?.rttMs,
      status: existing?.status ?? 'Alive',
    };
    this.members.set(sender.nodeId, state);
    return this.refresh(sender.nodeId, state, nowMs, existing === undefined);
  }

  /** Merges a peer's view; returns the status changes it caused. */
  merge(snapshots: readonly MemberSnapshot[], nowMs: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const snapshot of snapshots) {
      if (snapshot.nodeId === this.local.nodeId) continue;
      const reported = snapshot.lastSeen === undefined ? Number.NaN : Date.parse(snapshot.lastSeen);
      const lastSeenMs = Number.isFinite(reported) ? Math.min(reported, nowMs) : undefined;
      const existing = this.members.get(snapshot.nodeId);
      if (!existing) {
        // Never heard of it: an unstamped snapshot counts as news from now (OmniRelay does the same).
        const state: MemberState = {
          metadata: snapshot.metadata,
          lastSeenMs: lastSeenMs ?? nowMs,
          rttMs: snapshot.rttMs,
          status: 'Alive',
        };
        this.members.set(snapshot.nodeId, state);
        changes.push(...this.refresh(snapshot.nodeId, state, nowMs, true));
        continue;
      }
      if (this.ignored(existing)) continue;
      const newer = lastSeenMs !== undefined && lastSeenMs > existing.lastSeenMs;
      const higherVersion = snapshot.metadata.metadataVersion > existing.metadata.metadataVersion;
      if (newer) existing.lastSeenMs = lastSeenMs;
      if (higherVersion || (newer && snapshot.metadata.metadataVersion === existing.metadata.metadataVersion)) {
        existing.metadata = snapshot.metadata;
      }
      if (existing.rttMs === undefined && snapshot.rttMs !== undefined) existing.rttMs = snapshot.rttMs;
      changes.push(...this.refresh(snapshot.nodeId, existing, nowMs, false));
    }
    return changes;
  }

  /** Re-derives every status from the time since the last news. */
  sweep(nowMs: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const [nodeId, state] of this.members) changes.push(...this.refresh(nodeId, state, nowMs, false));
    return changes;
  }

  get(nodeId: string): MemberSnapshot | undefined {
    const state = this.members.get(nodeId);
    return state ? toSnapshot(nodeId, state) : undefined;
  }

  /** Every known member except this node, sorted by node id (what /control/peers shows). */
  peers(): MemberSnapshot[] {
    return [...this.members.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([nodeId, state]) => toSnapshot(nodeId, state));
  }

  /** This node first (Alive, stamped now), then the freshest others, at most 32 in all. */
  envelopeMembers(nowMs: number): MemberSnapshot[] {
    const self: MemberSnapshot = {
      nodeId: this.local.nodeId,
      status: 'Alive',
      lastSeen: new Date(nowMs).toISOString(),
      metadata: this.local,
    };
    const others = [...this.members.entries()]
      .sort(([, a], [, b]) => b.lastSeenMs - a.lastSeenMs)
      .slice(0, MAX_MEMBERS_PER_ENVELOPE - 1)
      .map(([nodeId, state]) => toSnapshot(nodeId, state));
    return [self, ...others];
  }

  /** Members worth gossiping with: Alive or Suspect. */
  reachableMembers(): MemberSnapshot[] {
    return this.peers().filter((m) => m.status !== 'Left');
  }

  leftMembers(): MemberSnapshot[] {
    return this.peers().filter((m) => m.status === 'Left');
  }

  /** Counts by status with this node counted as Alive (as OmniRelay's mesh_gossip_members does). */
  statusCounts(): Record<MemberStatus, number> {
    const counts: Record<MemberStatus, number> = { Alive: 1, Suspect: 0, Left: 0 };
    for (const state of this.members.values()) counts[state.status] += 1;
    return counts;
  }

  private refresh(nodeId: string, state: MemberState, nowMs: number, isNew: boolean): StatusChange[] {
    let status = statusForAge(nowMs - state.lastSeenMs, this.timers);
    // Seeded defect drained-member-stays-suspect: a member last seen draining is taken to be coming back.
    if (status === 'Left' && this.defects.has('drained-member-stays-suspect') && state.metadata.labels?.[SHARD_LABEL] === DRAINING_VALUE) status = 'Suspect';
    const from = isNew ? undefined : state.status;
    state.status = status;
    return from === status ? [] : [{ nodeId, from, to: status, metadata: state.metadata }];
  }
}

function toSnapshot(nodeId: string, state: MemberState): MemberSnapshot {
  return {
    nodeId,
    status: state.status,
    lastSeen: new Date(state.lastSeenMs).toISOString(),
    ...(state.rttMs !== undefined ? { rttMs: Math.round(state.rttMs * 100) / 100 } : {}),
    metadata: state.metadata,
  };
}
