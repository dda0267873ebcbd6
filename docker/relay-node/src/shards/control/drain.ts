// The upgrade/drain state machine (contract §4: Active 0, Draining 1, Drained 2, Failed 3).
// Drain: new calls get 503 + Retry-After (state.draining), the gossip label mesh.shards=draining
// tells the leader to move this node's shards away, the data plane's onDrain hook runs; the node is
// Drained once the cached map names it neither owner nor replica and no call is in flight.
// Resume undoes all three. A failing onDrain hook leaves the node Failed (still draining).
import type { MembershipTable } from '../../gossip/membership';
import { errorMessage, type Logger } from '../../log';
import type { NodeState } from '../../state';
import type { ShardMapView } from '../types';

import { DRAINING_VALUE, SHARD_LABEL } from '../../gossip/types';
import { clock } from '../../clock';

export { DRAINING_VALUE, SHARD_LABEL };

export const DRAIN_STATE = { Active: 0, Draining: 1, Drained: 2, Failed: 3 } as const;
export type DrainState = (typeof DRAIN_STATE)[keyof typeof DRAIN_STATE];

export interface UpgradeSnapshot {
  state: DrainState;
  reason?: string;
  startedAt?: string;
  updatedAt: string;
  /** Shards whose owner is this node in its cached map. */
  ownedShards: number;
  /** Shards listing this node as a replica in its cached map. */
  replicaShards: number;
  activeRequests: number;
  /** As the real host's NodeDrainSnapshot: one participant, the shard subsystem. */
  participants: { name: string; state: DrainState; lastError?: string; updatedAt: string }[];
}

export class DrainConflictError extends Error {}

export interface DrainControllerOptions {
  nodeId: string;
  state: NodeState;
  table: MembershipTable;
  view: ShardMapView;
  onDrain?: () => void | Promise<void>;
  onResume?: () => void | Promise<void>;
  log: Logger;
  pollMs?: number;
}

export class DrainController {
  private drainState: DrainState = DRAIN_STATE.Active;
  private reason: string | undefined;
  private startedAt: number | undefined;
  private updatedAt = clock.now();
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: DrainControllerOptions) {}

  get current(): DrainState {
    return this.drainState;
  }

  snapshot(): UpgradeSnapshot {
    const { owned, replica } = this.holdings();
    const updatedAt = new Date(this.updatedAt).toISOString();
    return {
      state: this.drainState,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      ...(this.startedAt !== undefined ? { startedAt: new Date(this.startedAt).toISOString() } : {}),
      updatedAt,
      ownedShards: owned,
      replicaShards: replica,
      activeRequests: this.o.state.activeRequests,
      participants: [{ name: 'shards', state: this.drainState, ...(this.lastError ? { lastError: this.lastError } : {}), updatedAt }],
    };
  }

  /** Starts draining; throws DrainConflictError when already Draining or Drained. */
  async drain(reason?: string): Promise<UpgradeSnapshot> {
    if (this.drainState === DRAIN_STATE.Draining || this.drainState === DRAIN_STATE.Drained) {
      throw new DrainConflictError(`Node drain is already in progress (state ${this.drainState === DRAIN_STATE.Draining ? 'Draining' : 'Drained'}).`);
    }
    this.reason = reason?.trim() || undefined;
    this.startedAt = clock.now();
    this.lastError = undefined;
    this.set(DRAIN_STATE.Draining);
    this.o.state.draining = true;
    this.label(DRAINING_VALUE);
    this.o.log.info('drain started', { reason: this.reason });
    try {
      await this.o.onDrain?.();
    } catch (error) {
      this.lastError = errorMessage(error);
      this.set(DRAIN_STATE.Failed);
      this.o.log.error('drain failed', { error: this.lastError });
      return this.snapshot();
    }
    this.poll();
    return this.snapshot();
  }

  /** Back to Active: label removed, new calls accepted again. */
  async resume(): Promise<UpgradeSnapshot> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const was = this.drainState;
    this.o.state.draining = false;
    this.label(undefined);
    this.reason = undefined;
    this.startedAt = undefined;
    this.lastError = undefined;
    this.set(DRAIN_STATE.Active);
    if (was !== DRAIN_STATE.Active) {
      this.o.log.info('drain resumed', { from: was });
      try {
        await this.o.onResume?.();
      } catch (error) {
        this.o.log.warn('resume hook failed', { error: errorMessage(error) });
      }
    }
    return this.snapshot();
  }

  /** For SIGTERM: drains (unless already draining) and resolves true once Drained, false at the timeout. */
  async drainAndWait(timeoutMs: number, reason = 'shutdown'): Promise<boolean> {
    if (this.drainState === DRAIN_STATE.Active || this.drainState === DRAIN_STATE.Failed) await this.drain(reason);
    if (this.drainState === DRAIN_STATE.Drained) return true;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.drainState === DRAIN_STATE.Drained);
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private poll(): void {
    if (this.drainState !== DRAIN_STATE.Draining) return;
    const { owned, replica } = this.holdings();
    if (owned === 0 && replica === 0 && this.o.state.activeRequests === 0) {
      this.set(DRAIN_STATE.Drained);
      this.o.log.info('drained', { reason: this.reason, ms: clock.now() - (this.startedAt ?? clock.now()) });
      for (const waiter of [...this.waiters]) waiter();
      return;
    }
    this.timer = setTimeout(() => this.poll(), this.o.pollMs ?? 100).unref();
  }

  private holdings(): { owned: number; replica: number } {
    let owned = 0;
    let replica = 0;
    for (const record of this.o.view.current()?.records ?? []) {
      if (record.ownerNodeId === this.o.nodeId) owned++;
      else if (record.replicas.includes(this.o.nodeId)) replica++;
    }
    return { owned, replica };
  }

  private set(state: DrainState): void {
    this.drainState = state;
    this.updatedAt = clock.now();
  }

  /** Sets or removes the mesh.shards label (the version bump makes gossip spread it). */
  private label(value: string | undefined): void {
    const current = this.o.table.localMetadata.labels[SHARD_LABEL];
    if (current === value) return;
    this.o.table.updateLocalMetadata(({ metadataVersion: _version, ...rest }) => {
      const labels = { ...rest.labels };
      if (value === undefined) delete labels[SHARD_LABEL];
      else labels[SHARD_LABEL] = value;
      return { ...rest, labels };
    });
  }
}
