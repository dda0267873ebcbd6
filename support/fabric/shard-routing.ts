// A client-side routing table: the shard map as the cluster publishes it, re-read from a live node a
// few times a second, so shard-aware clients send each call straight to the shard's owner (and follow
// a move within a poll or two). Bounded: it stops with the scenario.
import type { ShardRecord, ShardsView } from './contract';

export class ShardRouting {
  private view: ShardsView | undefined;
  private byShard = new Map<string, ShardRecord>();
  private readonly timer: NodeJS.Timeout;
  /** The versions seen, with when: evidence of how routing followed the map. */
  readonly versions: { atMs: number; version: number }[] = [];

  constructor(
    private readonly read: () => Promise<ShardsView>,
    private readonly nowMs: () => number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => void this.refresh(), everyMs);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    const view = await this.read().catch(() => undefined);
    if (!view || (this.view && view.version <= this.view.version)) return;
    this.view = view;
    this.byShard = new Map(view.items.map((r) => [r.shardId, r]));
    this.versions.push({ atMs: this.nowMs(), version: view.version });
  }

  ownerOf(shardId: string): string | undefined {
    return this.byShard.get(shardId)?.ownerNodeId;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
