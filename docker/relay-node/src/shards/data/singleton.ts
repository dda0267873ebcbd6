// A cluster singleton task: one background task for the whole cluster, run by the node that owns the
// shard of its key. The owner takes a tenure through the shard's log at its fence (`singleton.acquire`)
// and then beats every 200 ms through the log (`singleton.beat`, counted only for the current tenure).
// A beat that is not confirmed by every replica (cut off, deposed by a newer fence) stops the task at
// once: the next owner takes over only after the map moved the shard, seconds later, so two runners
// never overlap. GET /control/singleton says what this node is doing, for observers.
import type { Defects } from '../../defects';
import { errorMessage, type Logger } from '../../log';
import type { Replication } from './replication';
import { clock } from '../../clock';

const BEAT_MS = 200;
export const SINGLETON_PATH = '/control/singleton';

export interface SingletonDeps {
  nodeId: string;
  key: string;
  shardOf: (key: string) => string;
  replication: Replication;
  log: Logger;
  defects: Defects;
  beatMs?: number;
}

/** What this node reports about the task. */
export interface SingletonStatus {
  nodeId: string;
  key: string;
  shardId: string;
  running: boolean;
  fence?: number;
  since?: number;
  /** Beats this node counted while running (confirmed or not). */
  beats: number;
}

export class SingletonService {
  private tenure: { fence: number; since: number } | undefined;
  private beats = 0;
  private interval: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: SingletonDeps) {}

  start(): void {
    this.interval = setInterval(() => void this.tick(), this.deps.beatMs ?? BEAT_MS);
    this.interval.unref();
  }

  stop(): void {
    clearInterval(this.interval);
    this.tenure = undefined;
  }

  status(): SingletonStatus {
    const { nodeId, key } = this.deps;
    return { nodeId, key, shardId: this.deps.shardOf(key), running: this.tenure !== undefined, ...(this.tenure ?? {}), beats: this.beats };
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const { replication, nodeId, key, log } = this.deps;
    const shardId = this.deps.shardOf(key);
    try {
      const slot = replication.sync(shardId);
      // Seeded defect singleton-ignores-lost-fence: only a map naming another owner stops the task.
      const keepGoing = this.deps.defects.has('singleton-ignores-lost-fence') && this.tenure !== undefined && replication.mapOwner(shardId) === nodeId;
      if (slot.ownerFence === undefined && !keepGoing) {
        if (this.tenure) log.info('singleton stopped: this node no longer owns its shard', { key, shardId, fence: this.tenure.fence });
        this.tenure = undefined;
        return;
      }
      const fence = slot.ownerFence ?? this.tenure!.fence;
      try {
        if (this.tenure?.fence !== fence) {
          const at = clock.now();
          const result = await replication.write(shardId, { kind: 'singleton.acquire', key, runner: nodeId, fence, at });
          if (!result.acquired) return;
          this.tenure = { fence, since: at };
          log.info('singleton started', { key, shardId, fence });
        }
        const result = await replication.write(shardId, { kind: 'singleton.beat', key, runner: nodeId, fence, at: clock.now() });
        this.beats += 1;
        if (!result.beat) throw new Error('the record names another tenure');
      } catch (error) {
        if (keepGoing) return;
        if (this.tenure) log.warn('singleton stopped: a beat was not confirmed', { key, shardId, fence, error: errorMessage(error) });
        this.tenure = undefined;
      }
    } finally {
      this.ticking = false;
    }
  }
}
