// Every node's view of the published shard map: polls etcd every mapPollMs and tells listeners
// about each newer version it sees (versions only move forward: a lagging read never rolls the
// view back). Seeded defect `stale-shard-map`: it takes a newer map only when that map places shards on
// a node the current one does not (a node joined, as during bootstrap); a move among the same nodes is
// never taken, so the node keeps routing, serving and reporting the older version. Seeded defect
// `shard-map-ignores-others-moves`: a polled version is taken only when it changes a record this node
// owns or replicates (before or after), so a node uninvolved in a move keeps its older map.
import { errorMessage, type Logger } from '../../log';
import type { Defects } from '../../defects';
import type { ShardMap, ShardMapView, ShardRecord } from '../types';
import type { StoredMap } from './map-store';

export type MapListener = (map: ShardMap, previous: ShardMap | undefined) => void;

export interface ShardMapCacheOptions {
  /** Undefined when etcd is not configured: the view stays empty. */
  store: { read(): Promise<StoredMap | undefined> } | undefined;
  pollMs: number;
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
    if (this.options.defects.has('shard-map-ignores-others-moves') && !this.concernsThisNode(stored.map)) return this.map;
    this.offer(stored.map);
    return this.options.defects.has('stale-shard-map') ? this.map : stored.map;
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
    const loop = async (): Promise<void> => {
      if (!this.running) return;
      await this.refresh();
      if (this.running) this.timer = setTimeout(() => void loop(), this.options.pollMs).unref();
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }
}
