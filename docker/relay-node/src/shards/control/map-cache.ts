// Every node's view of the published shard map. It follows the map key with an etcd watch, so a
// published version reaches every node within milliseconds, and reads the key as a safety net: every
// mapPollMs while no watch is established, every SAFETY_POLL_MS (1 s) while one is. The read also catches a
// watch gone silent (the member it streams from cut off from etcd's majority keeps the stream open and
// says nothing): a read that finds a version the watch has not reported by the next read restarts it.
// Listeners hear about each newer version (versions only move forward: a lagging read never rolls the
// view back). Seeded defect `stale-shard-map`: it takes a newer map only when that map places shards on
// a node the current one does not (a node joined, as during bootstrap); a move among the same nodes is
// never taken, so the node keeps routing, serving and reporting the older version. Seeded defect
// `shard-map-ignores-others-moves`: a version is taken only when it changes a record this node owns or
// replicates (before or after), so a node uninvolved in a move keeps its older map.
import { errorMessage, type Logger } from '../../log';
import type { Defects } from '../../defects';
import type { ShardMap, ShardMapView, ShardRecord } from '../types';
import type { MapWatchOptions, StoredMap } from './map-store';

export type MapListener = (map: ShardMap, previous: ShardMap | undefined) => void;

/** The read interval while a watch is established: only a safety net then. */
export const SAFETY_POLL_MS = 1000;

export interface ShardMapCacheOptions {
  /** Undefined when etcd is not configured: the view stays empty. Without `watch` the cache only polls. */
  store: { read(): Promise<StoredMap | undefined>; watch?(options: MapWatchOptions): Promise<void> } | undefined;
  /** The read interval while no watch is established. */
  pollMs: number;
  /** The read interval while a watch is established (default SAFETY_POLL_MS). */
  safetyPollMs?: number;
  /** This node's id (for the seeded defect shard-map-ignores-others-moves). */
  nodeId?: string;
  /** stale-shard-map and shard-map-ignores-others-moves act here. */
  defects: Defects;
  log: Logger;
}

export class ShardMapCache implements ShardMapView {
  private map: ShardMap | undefined;
  private index = new Map<string, ShardRecord>();
  private readonly listeners = new Set<MapListener>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;
  /** The mod_revision of the newest map taken: a new watch starts after it. */
  private modRevision = 0;
  private watchAbort: AbortController | undefined;
  private watching = false;
  /** The store revision the watch last reported, and a map revision a read found beyond it. */
  private watchRevision = 0;
  private unreported: number | undefined;

  constructor(private readonly options: ShardMapCacheOptions) {}

  current(): ShardMap | undefined {
    return this.map;
  }

  record(shardId: string): ShardRecord | undefined {
    return this.index.get(shardId);
  }

  onChange(listener: MapListener): void {
    this.listeners.add(listener);
  }

  /** Like onChange, with a way to stop listening (SSE watchers come and go). */
  subscribe(listener: MapListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refresh(): Promise<ShardMap | undefined> {
    if (!this.options.store) return undefined;
    let stored: StoredMap | undefined;
    try {
      stored = await this.options.store.read();
    } catch (error) {
      if (!this.failing) this.options.log.warn('shard map read failed', { error: errorMessage(error) });
      this.failing = true;
      return undefined;
    }
    if (this.failing) this.options.log.info('shard map readable again');
    this.failing = false;
    if (!stored) return undefined;
    this.checkWatch(stored.modRevision);
    this.take(stored);
    return this.options.defects.has('stale-shard-map') ? this.map : stored.map;
  }

  /** A map read or watched from etcd. */
  private take(stored: StoredMap): void {
    if (this.options.defects.has('shard-map-ignores-others-moves') && !this.concernsThisNode(stored.map)) return;
    if (stored.map.version >= (this.map?.version ?? 0)) this.modRevision = Math.max(this.modRevision, stored.modRevision);
    this.offer(stored.map);
  }

  /** A read found `modRevision`: the watch must report it by the next read, else it has gone silent. */
  private checkWatch(modRevision: number): void {
    if (!this.watching || modRevision <= this.watchRevision) {
      this.unreported = undefined;
      return;
    }
    if (this.unreported !== undefined && this.unreported <= modRevision) {
      this.options.log.warn('shard map watch fell silent: watching again', { watchRevision: this.watchRevision, modRevision });
      this.unreported = undefined;
      this.watchAbort?.abort();
      return;
    }
    this.unreported = modRevision;
  }

  /**
   * Seeded defect shard-map-ignores-others-moves: "only a change to our own shards needs us to react",
   * so a polled map is judged by the records this node owns or replicates, before or after the change.
   */
  private concernsThisNode(map: ShardMap): boolean {
    if (!this.map) return true;
    const self = this.options.nodeId;
    const holds = (r: ShardRecord | undefined): boolean => r !== undefined && (r.ownerNodeId === self || r.replicas.includes(self ?? ''));
    return map.records.some((r) => {
      const previous = this.index.get(r.shardId);
      return previous?.version !== r.version && (holds(r) || holds(previous));
    });
  }

  /**
   * Seeded defect stale-shard-map: "the map only needs re-reading when a node joins", so a newer map is
   * taken only when it places a shard (owned or replicated) on a node the current map does not.
   */
  private addsANode(map: ShardMap): boolean {
    if (!this.map) return true;
    const placed = (m: ShardMap) => new Set(m.records.flatMap((r) => [r.ownerNodeId, ...r.replicas]));
    const now = placed(this.map);
    return [...placed(map)].some((id) => !now.has(id));
  }

  /** Takes a map known to be published (the leader's own publish) without waiting for the poll. */
  offer(map: ShardMap): void {
    const previous = this.map;
    if (previous && map.version <= previous.version) return;
    if (this.options.defects.has('stale-shard-map') && !this.addsANode(map)) return;
    this.map = map;
    this.index = new Map(map.records.map((r) => [r.shardId, r]));
    for (const listener of this.listeners) {
      try {
        listener(map, previous);
      } catch (error) {
        this.options.log.error('shard map listener failed', { error: errorMessage(error) });
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
    if (this.options.store?.watch) void this.follow();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.watchAbort?.abort();
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    await this.refresh();
    if (this.running)
      this.timer = setTimeout(() => void this.poll(), this.watching ? (this.options.safetyPollMs ?? SAFETY_POLL_MS) : this.options.pollMs).unref();
  }

  /** Watches while running; after a break, polls at once and again every pollMs until a watch stands. */
  private async follow(): Promise<void> {
    const watch = this.options.store?.watch?.bind(this.options.store);
    while (this.running && watch) {
      const abort = new AbortController();
      this.watchAbort = abort;
      let failure: string | undefined;
      try {
        await watch({
          afterModRevision: this.modRevision,
          signal: abort.signal,
          onMap: (stored) => this.take(stored),
          onProgress: (revision) => {
            if (!this.watching) this.options.log.info('shard map watch established', { afterModRevision: this.modRevision, revision });
            this.watching = true;
            this.watchRevision = Math.max(this.watchRevision, revision);
          },
        });
      } catch (error) {
        failure = errorMessage(error);
      }
      const was = this.watching;
      this.watching = false;
      this.unreported = undefined;
      if (!this.running) return;
      if (was) {
        this.options.log.warn('shard map watch ended: reading every pollMs until it is back', { pollMs: this.options.pollMs, error: failure });
        void this.poll();
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs).unref());
    }
  }
}
