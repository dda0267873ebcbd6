// Durable timers: records in the shard's log (store.ts), fired by whichever node owns the shard when
// they are due. The owner scans its shards' records on every tick and fires each due timer through the
// log (`timer.fire`, fenced and replicated like any write): a deposed owner's firing is refused by the
// replicas, and a second firing finds the record fired. Nothing is armed in memory, so a node that takes
// a shard over (failover, handover, drain) fires its timers from the records alone.
import type { Defects } from '../../defects';
import { errorMessage, type Logger } from '../../log';
import type { Replication } from './replication';
import { clock } from '../../clock';

const TICK_MS = 100;

export interface TimerServiceDeps {
  nodeId: string;
  replication: Replication;
  log: Logger;
  defects: Defects;
  tickMs?: number;
}

export class TimerService {
  /** Seeded defect timer-not-rearmed-after-failover: the timers this node scheduled itself. */
  private readonly scheduledHere = new Set<string>();
  private interval: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: TimerServiceDeps) {}

  start(): void {
    this.interval = setInterval(() => void this.tick(), this.deps.tickMs ?? TICK_MS);
    this.interval.unref();
  }

  stop(): void {
    clearInterval(this.interval);
  }

  /** Called when this node scheduled timer `id` on `shardId` (only the seeded defect uses it). */
  scheduled(shardId: string, id: string): void {
    if (this.deps.defects.has('timer-not-rearmed-after-failover')) this.scheduledHere.add(`${shardId}/${id}`);
  }

  /** Fires every due timer of every shard this node owns; one that cannot be fired now waits for the next tick. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const { replication, nodeId, log } = this.deps;
    try {
      for (const shardId of replication.knownShards()) {
        const slot = replication.slot(shardId);
        if (slot.ownerFence === undefined || slot.handingOver) continue;
        // A restarted owner holds nothing until it recovers from its replicas: a read does that.
        if (slot.needsRecovery) await replication.read(shardId, () => undefined).catch(() => undefined);
        let due = slot.store.dueTimers(clock.now());
        // Seeded defect: only timers armed here when this node scheduled them ever fire here.
        if (this.deps.defects.has('timer-not-rearmed-after-failover')) due = due.filter((id) => this.scheduledHere.has(`${shardId}/${id}`));
        for (const id of due) {
          try {
            const result = await replication.write(shardId, { kind: 'timer.fire', key: id, firedAt: clock.now(), by: nodeId, fence: slot.fence });
            if (result.fired) log.debug('timer fired', { shardId, id, lateMs: (result.timer?.firedAt ?? 0) - (result.timer?.dueAt ?? 0) });
          } catch (error) {
            log.debug('timer firing deferred to the next tick', { shardId, id, error: errorMessage(error) });
            break;
          }
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
