// Per-shard QPS budget on the owner: a token bucket (burst = one second of budget) whose calls over
// budget wait for their token, at most MAX_QUEUE_MS, else are refused (429, not applied); and a
// one-second sliding meter of calls arriving per shard (demand, not admissions: the leader needs to
// see a shard that is over budget even while it is being throttled).
export const MAX_QUEUE_MS = 2000;

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class ShardBudget {
  private readonly buckets = new Map<string, Bucket>();
  private readonly waiting = new Map<string, number>();

  constructor(
    readonly qps: number,
    private readonly now: () => number = Date.now,
    private readonly maxQueueMs = MAX_QUEUE_MS,
  ) {}

  /** Reserves a token: the wait in ms before the call may run, or undefined (refused, nothing reserved). */
  reserve(shardId: string): number | undefined {
    if (this.qps <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(shardId);
    if (!bucket) this.buckets.set(shardId, (bucket = { tokens: this.qps, lastMs: now }));
    bucket.tokens = Math.min(this.qps, bucket.tokens + ((now - bucket.lastMs) * this.qps) / 1000);
    bucket.lastMs = now;
    // Negative tokens are reservations already queued.
    const waitMs = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / this.qps;
    if (waitMs > this.maxQueueMs) return undefined;
    bucket.tokens -= 1;
    return waitMs;
  }

  /** Gives back a token reserved by `reserve` (the call was refused by another budget before it waited). */
  refund(shardId: string): void {
    const bucket = this.buckets.get(shardId);
    if (this.qps > 0 && bucket) bucket.tokens = Math.min(this.qps, bucket.tokens + 1);
  }

  /** Waits for a token; false when the queue would exceed the bound. */
  async acquire(shardId: string): Promise<boolean> {
    const waitMs = this.reserve(shardId);
    if (waitMs === undefined) return false;
    await this.wait(shardId, waitMs);
    return true;
  }

  /** Sleeps `waitMs` counted as queued on `shardId` (see `queued`). */
  async wait(shardId: string, waitMs: number): Promise<void> {
    if (waitMs <= 0) return;
    this.waiting.set(shardId, this.queued(shardId) + 1);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    this.waiting.set(shardId, this.queued(shardId) - 1);
  }

  /**
   * Calls waiting for a token now. Closed-loop clients never arrive faster than they are admitted, so
   * arrivals alone sit at the budget while the shard is overloaded; the queue is the excess demand.
   */
  queued(shardId: string): number {
    return this.waiting.get(shardId) ?? 0;
  }
}

/** Calls per shard over the last second. */
export class QpsMeter {
  private readonly marks = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  mark(shardId: string): void {
    let list = this.marks.get(shardId);
    if (!list) this.marks.set(shardId, (list = []));
    list.push(this.now());
    this.prune(list);
  }

  rate(shardId: string): number {
    const list = this.marks.get(shardId);
    if (!list) return 0;
    this.prune(list);
    return list.length;
  }

  private prune(list: number[]): void {
    const cutoff = this.now() - 1000;
    let drop = 0;
    while (drop < list.length && (list[drop] ?? 0) <= cutoff) drop += 1;
    if (drop > 0) list.splice(0, drop);
  }
}
