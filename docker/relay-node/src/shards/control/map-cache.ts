// Every node's view of the published shard map: polls etcd every mapPollMs and tells listeners
// about each newer version it sees (versions only move forward: a lagging read never rolls the
// view back). Seeded defect `stale-shard-map`: once its gossip view has settled and the map places a
// shard on every node it sees Alive (the map a finished bootstrap publishes), it keeps that map and never
// reads again, so the node keeps routing, serving and reporting that version. Seeded defect
// `shard-map-ignores-others-moves`: a polled version is taken only when it changes a record this node
// owns or replicates (before or after), so a node uninvolved in a move keeps its older map.
import { errorMessage, type Logger } from "../../log";
import type { ShardMap, ShardMapView, ShardRecord } from "../types";
import type { StoredMap } from "./map-store";

export type MapListener = (map: ShardMap, previous: ShardMap | undefined) => void;

export interface ShardMapCacheOptions {
  /** Undefined when etcd is not configured: the view stays empty. */
  store: { read(): Promise<StoredMap | undefined> } | undefined;
  pollMs: number;
  stale: boolean;
  /**
   * This node and the peers its gossip sees Alive (for the seeded defect stale-shard-map, which freezes
   * on the first map placing a shard on each of them). Without it the defect freezes on the first map.
   */
  aliveNodes?: () => readonly string[];
  /** stale-shard-map: how long the Alive set must stay the same before the view may freeze (default 3 s). */
  settleMs?: number;
  /** This node's id (for the seeded defect shard-map-ignores-others-moves). */
  nodeId?: string;
  /** Seeded defect shard-map-ignores-others-moves. */
  ignoresOthersMoves?: boolean;
  log: Logger;
}

export class ShardMapCache implements ShardMapView {
  private map: ShardMap | undefined;
  private index = new Map<string, ShardRecord>();
  private readonly listeners = new Set<MapListener>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;
  /** stale-shard-map: the view is frozen on the map it has. */
  private frozen = false;
  /** stale-shard-map: the Alive set last seen, and since when it has not changed. */
  private alive: { key: string; ids: readonly string[]; sinceMs: number } | undefined;

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
    if (this.frozen) return this.map;
    if (!this.options.store) return undefined;
    let stored: StoredMap | undefined;
    try {
      stored = await this.options.store.read();
    } catch (error) {
      if (!this.failing) this.options.log.warn("shard map read failed", { error: errorMessage(error) });
      this.failing = true;
      return undefined;
    }
    if (this.failing) this.options.log.info("shard map readable again");
    this.failing = false;
    if (!stored) return undefined;
    if (this.options.ignoresOthersMoves && !this.concernsThisNode(stored.map)) return this.map;
    this.offer(stored.map);
    this.maybeFreeze();
    return this.frozen ? this.map : stored.map;
  }

  /**
   * Seeded defect shard-map-ignores-others-moves: "only a change to our own shards needs us to react",
   * so a polled map is judged by the records this node owns or replicates, before or after the change.
   */
  private concernsThisNode(map: ShardMap): boolean {
    if (!this.map) return true;
    const self = this.options.nodeId;
    const holds = (r: ShardRecord | undefined): boolean => r !== undefined && (r.ownerNodeId === self || r.replicas.includes(self ?? ""));
    return map.records.some((r) => {
      const previous = this.index.get(r.shardId);
      return previous?.version !== r.version && (holds(r) || holds(previous));
    });
  }

  /**
   * Seeded defect stale-shard-map: "the bootstrap map is complete once membership settled and every node
   * has shards", so the view stops at the first map, read once the Alive set has not changed for
   * `settleMs`, that places a shard (owned or replicated) on every node it sees Alive. (Judged on the
   * Alive set alone, a node whose gossip had not met every peer yet froze on an early bootstrap map.)
   */
  private maybeFreeze(now = Date.now()): void {
    if (!this.options.stale || this.frozen || !this.map) return;
    const ids = [...(this.options.aliveNodes?.() ?? [])].sort();
    const key = ids.join(",");
    if (this.alive?.key !== key) this.alive = { key, ids, sinceMs: now };
    if (now - this.alive.sinceMs < (this.options.settleMs ?? 3_000)) return;
    const placed = new Set(this.map.records.flatMap((r) => [r.ownerNodeId, ...r.replicas]));
    if (!ids.every((id) => placed.has(id))) return;
    this.frozen = true;
    this.options.log.debug("stale-shard-map: view frozen", { version: this.map.version });
  }

  /** Takes a map known to be published (the leader's own publish) without waiting for the poll. */
  offer(map: ShardMap): void {
    if (this.frozen) return;
    const previous = this.map;
    if (previous && map.version <= previous.version) return;
    this.map = map;
    this.index = new Map(map.records.map((r) => [r.shardId, r]));
    for (const listener of this.listeners) {
      try {
        listener(map, previous);
      } catch (error) {
        this.options.log.error("shard map listener failed", { error: errorMessage(error) });
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async (): Promise<void> => {
      if (!this.running) return;
      if (!this.frozen) await this.refresh();
      // A frozen (defective) view never reads again; no need to keep a timer for it.
      if (this.running && !this.frozen) this.timer = setTimeout(() => void loop(), this.options.pollMs).unref();
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }
}
