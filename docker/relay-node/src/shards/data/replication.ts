// Synchronous replication of one shard's log: the owner serialises writes per shard, sends each
// entry (fenceToken, index, op) to every replica in the shard's record and acknowledges only when all
// answered 200; reads first send a barrier (same fence, no op) so a deposed owner cannot answer from
// a stale copy. Replicas refuse older fences (409) and catch up from a snapshot of the sender on a
// newer fence or an index gap. Also holds who serves what on this node (ownership by map or by
// handover install), which the router, handover and routes read.
import type { DefectName } from '../../defects';
import type { MembershipTable } from '../../gossip/membership';
import { errorMessage, type Logger } from '../../log';
import type { MetricsRegistry, Counter } from '../../metrics';
import { httpEndpointOf } from '../../rpc/http-endpoints';
import { RpcError, type RpcStatusCode } from '../../rpc/status';
import type { ShardMapView } from '../types';
import { peerJson } from './peer-http';
import { isShardData, type OpResult, type ShardData, type ShardOp, ShardStore, type ShardStoreOptions } from './store';
import { clock } from '../../clock';

export const REPLICATE_PATH = '/mesh/shards/replicate';
export const SNAPSHOT_PATH = '/mesh/shards/snapshot';
export const INSTALL_PATH = '/mesh/shards/install';

export interface ReplicationEntry {
  namespace: string;
  shardId: string;
  fenceToken: number;
  index: number;
  /** Absent: a read barrier (the replica only confirms the fence). */
  op?: ShardOp;
  from: string;
}

export interface ShardSnapshot {
  shardId: string;
  fenceToken: number;
  index: number;
  state: ShardData;
}

export interface InstallRequest extends ShardSnapshot {
  from: string;
}

/** An answer for the /mesh/shards routes. */
export interface PeerReply {
  status: number;
  body: Record<string, unknown>;
}

/** An RpcError that knows whether the call certainly had no effect (`X-Mesh-Outcome: not-applied`). */
export class ShardError extends RpcError {
  constructor(
    status: RpcStatusCode,
    message: string,
    readonly notApplied = false,
  ) {
    super(status, message);
  }
}

/** A call that is malformed: refused before it did anything. */
export function invalidArgument(message: string): ShardError {
  return new ShardError('InvalidArgument', message, true);
}

/** This node does not (or no longer) serve the shard; nothing was done, so the router may re-route. */
export class NotServingError extends ShardError {
  constructor(
    readonly shardId: string,
    nodeId: string,
  ) {
    super('Unavailable', `${nodeId} does not serve ${shardId}`, true);
  }
}

/** The call was answered and abandoned (seeded defect drain-acks-inflight): do nothing more. */
export class AbandonedError extends Error {}

/** Per-call bookkeeping: abandonment, and whether anything was applied (then no re-routing). */
export interface CallTicket {
  signal?: AbortSignal;
  applied: number;
}

export interface ShardMetrics {
  replication: Counter;
  calls: Counter;
  snapshots: Counter;
}

export function createShardMetrics(registry: MetricsRegistry): ShardMetrics {
  return {
    replication: registry.counter('mesh_shard_replication_total', 'Write entries sent to replicas, by outcome (success|refused|failure).'),
    calls: registry.counter('mesh_shard_calls_total', 'Calls carrying a shard key, by outcome (served|forwarded|refused|throttled).'),
    snapshots: registry.counter('mesh_shard_snapshots_total', 'Snapshots a replica installed to catch up (newer fence or log gap).'),
  };
}

export interface Slot {
  readonly shardId: string;
  store: ShardStore;
  /** The fence whose log the local copy follows (from entries, installs, adoption). */
  fence: number;
  /** The highest fence this node has heard of for the shard (maps, entries, refusals): above `fence`, the copy may be behind. */
  knownFence: number;
  /** Last applied log index. */
  index: number;
  /** Set while this node serves the shard as owner (always equal to `fence` then). */
  ownerFence: number | undefined;
  /** Set by a handover in progress: new calls wait for it. */
  handingOver: Promise<void> | undefined;
  /** Set after this node handed the shard over, until the map shows the move. */
  handedTo: { nodeId: string; fenceToken: number; previousFence: number; confirmed: boolean } | undefined;
  /**
   * Took ownership with a copy that may be behind (nothing local, e.g. a restarted process the map still
   * names; or a copy older than a fence this node has heard of, e.g. a deposed owner back from a
   * partition): before serving, take the most advanced replica copy if it is ahead of `recoverAbove`.
   */
  needsRecovery: boolean;
  recoverAbove?: { fence: number; index: number };
}

/** A promise-chain lock per key: each holder runs after the previous one settled. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Wakes every waiter when something routing-relevant changed (map version, install, handover). */
export class Notifier {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

export interface ReplicationDeps {
  nodeId: string;
  namespace: string;
  httpPort: number;
  replicationTimeoutMs: number;
  table: MembershipTable;
  view: ShardMapView;
  metrics: ShardMetrics;
  log: Logger;
  defects: ReadonlySet<DefectName>;
  /** Where each shard's evicted entities go, and how many stay in memory (default: a map, no limit). */
  storeOptions?: (shardId: string) => ShardStoreOptions;
}

const BACKGROUND_DELAY_MS = 1000;

export class Replication {
  readonly lock = new KeyedLock();
  readonly changed = new Notifier();
  private readonly slots = new Map<string, Slot>();
  private readonly movedAwayListeners: Array<(shardId: string) => void> = [];
  private readonly background = new Map<string, Promise<void>>();

  constructor(private readonly deps: ReplicationDeps) {
    deps.view.onChange((map) => {
      for (const record of map.records) this.sync(record.shardId);
      this.changed.notify();
    });
  }

  get nodeId(): string {
    return this.deps.nodeId;
  }

  onMovedAway(listener: (shardId: string) => void): void {
    this.movedAwayListeners.push(listener);
  }

  slot(shardId: string): Slot {
    let slot = this.slots.get(shardId);
    if (!slot) {
      slot = {
        shardId,
        store: new ShardStore(this.deps.storeOptions?.(shardId)),
        fence: 0,
        knownFence: 0,
        index: 0,
        ownerFence: undefined,
        handingOver: undefined,
        handedTo: undefined,
        needsRecovery: false,
      };
      this.slots.set(shardId, slot);
    }
    return slot;
  }

  knownShards(): string[] {
    return [...this.slots.keys()];
  }

  /** Reconciles the slot with the published map: takeover when it names this node, move-away otherwise. */
  sync(shardId: string): Slot {
    const slot = this.slot(shardId);
    const record = this.deps.view.record(shardId);
    if (!record) return slot;
    const { nodeId, log } = this.deps;
    if (record.ownerNodeId === nodeId) {
      // Adopt only a fence newer than anything seen: an older one means this node was deposed or
      // handed the shard on, and the map here is behind.
      if (record.fenceToken > slot.fence || (slot.ownerFence !== undefined && record.fenceToken > slot.ownerFence)) {
        // First ownership of a shard this node never held (bootstrap) is routine: debug only.
        const routine = slot.fence === 0 && slot.index === 0;
        log[routine ? 'debug' : 'info']("shard takeover: serving the local copy at the map's fence", {
          shardId,
          fenceToken: record.fenceToken,
          previousFence: slot.fence,
          index: slot.index,
          digest: slot.store.digest(),
        });
        if ((slot.fence === 0 && slot.index === 0) || slot.fence < slot.knownFence) {
          slot.needsRecovery = true;
          slot.recoverAbove = { fence: slot.fence, index: slot.index };
        }
        slot.fence = record.fenceToken;
        slot.knownFence = Math.max(slot.knownFence, record.fenceToken);
        slot.ownerFence = record.fenceToken;
        slot.handedTo = undefined;
        this.changed.notify();
      }
      return this.settleHandedTo(slot, record.fenceToken);
    }
    slot.knownFence = Math.max(slot.knownFence, record.fenceToken);
    if (slot.ownerFence !== undefined && record.fenceToken > slot.ownerFence) {
      log.info('shard moved away', { shardId, to: record.ownerNodeId, fenceToken: record.fenceToken, index: slot.index });
      slot.ownerFence = undefined;
      this.movedAway(shardId);
    }
    return this.settleHandedTo(slot, record.fenceToken);
  }

  /** A handover this node made is over once the map shows its fence. */
  private settleHandedTo(slot: Slot, mapFence: number): Slot {
    if (slot.handedTo && mapFence >= slot.handedTo.fenceToken) slot.handedTo = undefined;
    return slot;
  }

  /** The owner the published map names for the shard (this node's view of it). */
  mapOwner(shardId: string): string | undefined {
    return this.deps.view.record(shardId)?.ownerNodeId;
  }

  serving(shardId: string): boolean {
    return this.sync(shardId).ownerFence !== undefined;
  }

  role(shardId: string): 'owner' | 'replica' | 'none' {
    if (this.serving(shardId)) return 'owner';
    return this.deps.view.record(shardId)?.replicas.includes(this.deps.nodeId) ? 'replica' : 'none';
  }

  /** Replicates `op` to every replica of the record, then applies it here; throws when not all confirmed. */
  write(shardId: string, op: ShardOp, ticket?: CallTicket): Promise<OpResult> {
    return this.lock.run(shardId, async () => {
      if (ticket?.signal?.aborted) throw new AbandonedError();
      const slot = this.sync(shardId);
      if (slot.ownerFence === undefined || this.yieldsToHandover(slot, ticket)) throw new NotServingError(shardId, this.deps.nodeId);
      await this.recover(slot);
      if (ticket) ticket.applied += 1;
      const entry: ReplicationEntry = { namespace: this.deps.namespace, shardId, fenceToken: slot.fence, index: slot.index + 1, op, from: this.deps.nodeId };
      const replicas = this.replicasOf(shardId);
      if (this.deps.defects.has('ack-before-replication')) {
        // Seeded defect: acknowledge from the local copy, replicate about a second later.
        const result = slot.store.apply(op);
        slot.index = entry.index;
        this.replicateLater(replicas, entry);
        return result;
      }
      const outcome = await this.send(replicas, entry);
      // Applied here even when a replica failed: the owner must hold everything any replica may hold.
      const result = slot.store.apply(op);
      slot.index = entry.index;
      if (outcome.failed.length > 0) {
        this.noteRefusals(slot, outcome.refusedAt);
        throw new ShardError('Unavailable', `write ${entry.index} of ${shardId} not confirmed by ${outcome.failed.join(', ')} (outcome unknown)`);
      }
      return result;
    });
  }

  /**
   * A call that queued for the lock before a handover began and has done nothing yet steps aside: the
   * router holds it and passes it on to the new owner. Only calls already under way (the lock's holder,
   * or one that applied something) finish here, so a handover waits for one write, not for the queue
   * (under 200 clients on one shard that queue was ~200 calls, ~250 ms).
   */
  private yieldsToHandover(slot: Slot, ticket?: CallTicket): boolean {
    return slot.handingOver !== undefined && (ticket === undefined || ticket.applied === 0);
  }

  /** Confirms the fence with every replica (a barrier), then reads the local copy. */
  read<T>(shardId: string, fn: (store: ShardStore) => T): Promise<T> {
    return this.lock.run(shardId, async () => {
      const slot = this.sync(shardId);
      // A read applies nothing, so one queued behind a handover always steps aside.
      if (slot.ownerFence === undefined || this.yieldsToHandover(slot)) throw new NotServingError(shardId, this.deps.nodeId);
      await this.recover(slot);
      // Seeded defect kv-stale-read: no barrier.
      if (!this.deps.defects.has('kv-stale-read')) {
        const barrier: ReplicationEntry = { namespace: this.deps.namespace, shardId, fenceToken: slot.fence, index: slot.index, from: this.deps.nodeId };
        const outcome = await this.send(this.replicasOf(shardId), barrier);
        // Seeded defect read-barrier-ignores-unreachable: only an answer objects; silence is taken for consent.
        const objected = this.deps.defects.has('read-barrier-ignores-unreachable')
          ? outcome.failed.filter((r) => !outcome.unreachable.includes(r))
          : outcome.failed;
        if (objected.length > 0) {
          this.noteRefusals(slot, outcome.refusedAt);
          throw new ShardError('Unavailable', `read of ${shardId} not confirmed by ${objected.join(', ')}`, true);
        }
      }
      return fn(slot.store);
    });
  }

  /** Replica side of `POST /mesh/shards/replicate`. */
  applyEntry(entry: ReplicationEntry): Promise<PeerReply> {
    return this.lock.run(entry.shardId, async () => {
      const { nodeId, log } = this.deps;
      const slot = this.sync(entry.shardId);
      if (entry.fenceToken < slot.fence) {
        return {
          status: 409,
          body: { message: `${nodeId} knows fence ${slot.fence} for ${entry.shardId}, entry has ${entry.fenceToken}`, fenceToken: slot.fence },
        };
      }
      if (slot.ownerFence !== undefined) {
        if (entry.fenceToken === slot.ownerFence) {
          return { status: 409, body: { message: `${nodeId} owns ${entry.shardId} at fence ${slot.fence}`, fenceToken: slot.fence } };
        }
        log.warn('shard owner deposed by a newer fence', { shardId: entry.shardId, fenceToken: entry.fenceToken, from: entry.from, ownFence: slot.ownerFence });
        slot.ownerFence = undefined;
        this.movedAway(entry.shardId);
        this.changed.notify();
      }
      if (slot.handedTo && entry.fenceToken >= slot.handedTo.fenceToken) slot.handedTo.confirmed = true;
      slot.knownFence = Math.max(slot.knownFence, entry.fenceToken);
      const barrier = entry.op === undefined;
      const behind = entry.fenceToken > slot.fence || (barrier ? entry.index !== slot.index : entry.index !== slot.index + 1);
      if (!behind) {
        if (entry.op) slot.store.apply(entry.op);
        slot.index = entry.index;
        return { status: 200, body: { fenceToken: slot.fence, index: slot.index } };
      }
      if (this.deps.defects.has('replica-never-catches-up')) {
        // Seeded defect: apply on top of whatever is here and take the entry's fence/index as ours.
        if (entry.op) slot.store.apply(entry.op);
        slot.fence = entry.fenceToken;
        slot.index = entry.index;
        return { status: 200, body: { fenceToken: slot.fence, index: slot.index } };
      }
      let snapshot: ShardSnapshot;
      try {
        snapshot = await this.fetchSnapshot(entry.from, entry.shardId);
      } catch (error) {
        log.warn('snapshot fetch failed', { shardId: entry.shardId, from: entry.from, error: errorMessage(error) });
        return { status: 503, body: { message: `snapshot from ${entry.from} failed: ${errorMessage(error)}` } };
      }
      if (snapshot.fenceToken !== entry.fenceToken || snapshot.index < entry.index - (barrier ? 0 : 1)) {
        return {
          status: 503,
          body: {
            message: `snapshot of ${entry.shardId} from ${entry.from} is at fence ${snapshot.fenceToken} index ${snapshot.index}, entry at ${entry.fenceToken}/${entry.index}`,
          },
        };
      }
      slot.store.install(snapshot.state);
      slot.fence = snapshot.fenceToken;
      slot.index = snapshot.index;
      this.deps.metrics.snapshots.inc();
      log.info('replica caught up from a snapshot', { shardId: entry.shardId, from: entry.from, fenceToken: slot.fence, index: slot.index });
      // The sender holds its lock while replicating, so it is at index-1 for a write (ahead only if it acks early).
      // Seeded defect catch-up-skips-triggering-entry: the entry that made it catch up is answered, not applied.
      if (entry.op && snapshot.index === entry.index - 1 && !this.deps.defects.has('catch-up-skips-triggering-entry')) {
        slot.store.apply(entry.op);
        slot.index = entry.index;
      }
      return { status: 200, body: { fenceToken: slot.fence, index: slot.index } };
    });
  }

  /** `GET /mesh/shards/snapshot`: read without the lock (the owner holds it while replicas catch up). */
  snapshot(shardId: string): ShardSnapshot {
    const slot = this.slot(shardId);
    return { shardId, fenceToken: slot.fence, index: slot.index, state: slot.store.snapshot() };
  }

  /** New-owner side of a handover (`POST /mesh/shards/install`): serve at that fence from now on. */
  install(request: InstallRequest): Promise<PeerReply> {
    return this.lock.run(request.shardId, () => {
      const slot = this.sync(request.shardId);
      const stale = request.fenceToken < slot.fence || (request.fenceToken === slot.fence && slot.ownerFence === slot.fence && slot.index > request.index);
      if (stale) {
        return {
          status: 409,
          body: { message: `${this.deps.nodeId} is at fence ${slot.fence} index ${slot.index} for ${request.shardId}`, fenceToken: slot.fence },
        };
      }
      slot.store.install(request.state);
      slot.fence = request.fenceToken;
      slot.index = request.index;
      slot.ownerFence = request.fenceToken;
      slot.handedTo = undefined;
      slot.needsRecovery = false;
      this.deps.log.info('shard installed by handover', { shardId: request.shardId, from: request.from, fenceToken: slot.fence, index: slot.index });
      this.changed.notify();
      return { status: 200, body: { shardId: request.shardId, fenceToken: slot.fence, index: slot.index } };
    });
  }

  /** The replicas of the shard's record (this node excluded). */
  replicasOf(shardId: string): string[] {
    const replicas = this.deps.view.record(shardId)?.replicas ?? [];
    // Seeded defect replicate-skips-first-replica: the list read as a preference list led by the owner.
    const copies = this.deps.defects.has('replicate-skips-first-replica') ? replicas.slice(1) : replicas;
    return copies.filter((node) => node !== this.deps.nodeId);
  }

  movedAway(shardId: string): void {
    for (const listener of this.movedAwayListeners) listener(shardId);
  }

  /** `failed`: every replica that did not answer 200; `unreachable`: those of them that did not answer at all. */
  private async send(replicas: readonly string[], entry: ReplicationEntry): Promise<{ failed: string[]; unreachable: string[]; refusedAt: number[] }> {
    const { table, httpPort, replicationTimeoutMs, metrics, log } = this.deps;
    const failed: string[] = [];
    const unreachable: string[] = [];
    const refusedAt: number[] = [];
    const count = (outcome: string): void => {
      if (entry.op) metrics.replication.inc({ mesh_outcome: outcome });
    };
    await Promise.all(
      replicas.map(async (replica) => {
        try {
          const answer = await peerJson(httpEndpointOf(replica, table, httpPort), 'POST', REPLICATE_PATH, entry, replicationTimeoutMs);
          if (answer.status === 200) return count('success');
          failed.push(replica);
          if (answer.status === 409) {
            const fence = (answer.body as { fenceToken?: unknown } | undefined)?.fenceToken;
            if (typeof fence === 'number') refusedAt.push(fence);
            count('refused');
          } else count('failure');
          log.warn('replica refused an entry', {
            shardId: entry.shardId,
            replica,
            status: answer.status,
            index: entry.index,
            barrier: !entry.op,
            answer: answer.body,
          });
        } catch (error) {
          failed.push(replica);
          unreachable.push(replica);
          count('failure');
          log.warn('replica unreachable', { shardId: entry.shardId, replica, index: entry.index, barrier: !entry.op, error: errorMessage(error) });
        }
      }),
    );
    return { failed, unreachable, refusedAt };
  }

  /**
   * A replica knows a newer fence: another node owns the shard now, stop serving it. The copy still
   * follows the old fence's log, so only `knownFence` rises: were this node made owner again, it must
   * first take a replica's newer copy (seen losing a singleton's tenures before it did so).
   */
  private noteRefusals(slot: Slot, refusedAt: readonly number[]): void {
    const newest = Math.max(0, ...refusedAt);
    if (newest <= slot.fence) return;
    this.deps.log.warn('shard owner fenced off by a replica', { shardId: slot.shardId, ownFence: slot.fence, replicaFence: newest });
    slot.knownFence = Math.max(slot.knownFence, newest);
    slot.ownerFence = undefined;
    this.movedAway(slot.shardId);
    this.changed.notify();
  }

  /**
   * A node that became owner with a copy that may be behind (see `needsRecovery`) takes the most advanced
   * replica copy before serving, when it is ahead of its own: a quick restart under an unchanged map does
   * not wipe the shard, and a deposed owner promoted again does not serve what it had before.
   */
  private async recover(slot: Slot): Promise<void> {
    if (!slot.needsRecovery) return;
    slot.needsRecovery = false;
    const above = slot.recoverAbove ?? { fence: 0, index: 0 };
    slot.recoverAbove = undefined;
    const copies = await Promise.all(this.replicasOf(slot.shardId).map((replica) => this.fetchSnapshot(replica, slot.shardId).catch(() => undefined)));
    let best: ShardSnapshot | undefined;
    for (const copy of copies) {
      if (copy && copy.index > 0 && (!best || copy.fenceToken > best.fenceToken || (copy.fenceToken === best.fenceToken && copy.index > best.index)))
        best = copy;
    }
    const ahead = best && (best.fenceToken > above.fence || (best.fenceToken === above.fence && best.index > above.index));
    if (!best || !ahead || slot.ownerFence === undefined) return;
    slot.store.install(best.state);
    slot.index = best.index;
    this.deps.log.info('new owner recovered the shard from a replica', {
      shardId: slot.shardId,
      fenceToken: slot.fence,
      index: slot.index,
      copyFence: best.fenceToken,
      copyIndex: best.index,
      localFence: above.fence,
      localIndex: above.index,
    });
  }

  private replicateLater(replicas: readonly string[], entry: ReplicationEntry): void {
    const due = clock.monotonic() + BACKGROUND_DELAY_MS;
    const previous = this.background.get(entry.shardId) ?? Promise.resolve();
    const next = previous.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - clock.monotonic())));
      await this.send(replicas, entry);
    });
    this.background.set(entry.shardId, next);
    void next.finally(() => {
      if (this.background.get(entry.shardId) === next) this.background.delete(entry.shardId);
    });
  }

  private async fetchSnapshot(from: string, shardId: string): Promise<ShardSnapshot> {
    const { table, httpPort, replicationTimeoutMs, namespace } = this.deps;
    const path = `${SNAPSHOT_PATH}?shardId=${encodeURIComponent(shardId)}&namespace=${encodeURIComponent(namespace)}`;
    const answer = await peerJson(httpEndpointOf(from, table, httpPort), 'GET', path, undefined, replicationTimeoutMs);
    const body = answer.body as Partial<ShardSnapshot> | undefined;
    if (answer.status !== 200 || !body || typeof body.fenceToken !== 'number' || typeof body.index !== 'number' || !isShardData(body.state)) {
      throw new Error(`snapshot answer ${answer.status}`);
    }
    return { shardId, fenceToken: body.fenceToken, index: body.index, state: body.state };
  }
}
