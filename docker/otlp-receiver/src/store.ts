// The spans received so far, oldest first, bounded: past `capacity` the oldest are evicted.
import type { ReceivedSpan } from './otlp-json';

export interface SpanQuery {
  /** Exact span name. */
  name?: string;
  /** Spans that ended at or after this instant (unix nanoseconds). */
  sinceUnixNano?: bigint;
  /** Resource service.instance.id (the relay-node's node id). */
  node?: string;
}

export class SpanStore {
  private spans: ReceivedSpan[] = [];
  private head = 0;
  evicted = 0;
  received = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.spans.length - this.head;
  }

  add(batch: readonly ReceivedSpan[]): void {
    this.received += batch.length;
    this.spans.push(...batch);
    const excess = this.size - this.capacity;
    if (excess > 0) {
      this.head += excess;
      this.evicted += excess;
    }
    // Compact now and then instead of shifting on every eviction.
    if (this.head > 1024 && this.head * 2 > this.spans.length) {
      this.spans = this.spans.slice(this.head);
      this.head = 0;
    }
  }

  query(q: SpanQuery = {}): ReceivedSpan[] {
    const result: ReceivedSpan[] = [];
    for (let i = this.head; i < this.spans.length; i++) {
      const span = this.spans[i]!;
      if (q.name !== undefined && span.name !== q.name) continue;
      if (q.sinceUnixNano !== undefined && BigInt(span.endTimeUnixNano) < q.sinceUnixNano) continue;
      if (q.node !== undefined && span.resource['service.instance.id'] !== q.node) continue;
      result.push(span);
    }
    return result;
  }

  clear(): number {
    const n = this.size;
    this.spans = [];
    this.head = 0;
    return n;
  }
}
