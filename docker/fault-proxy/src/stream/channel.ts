// A stage's input queue: one consumer (the toxic's loop), many pushes. It counts queued bytes so the link can
// pause its source socket instead of buffering without bound.
import { INTERRUPTED, TIMED_OUT, type Item, type Taken } from '../toxics/types';

/** Anything that accepts the next item of a stream: a stage's input or the socket at the end of the link. */
export interface Inlet {
  push(item: Item): void;
}

const size = (item: Item): number => item?.data.length ?? 0;

export class Channel implements Inlet {
  private items: Item[] = [];
  private waiter: ((item: Item) => void) | undefined;
  private discarding = false;
  bytes = 0;

  constructor(private readonly onTake: () => void) {}

  push(item: Item): void {
    if (this.discarding) return;
    if (this.waiter) return this.waiter(item);
    this.items.push(item);
    this.bytes += size(item);
  }

  unshift(item: Item): void {
    if (this.discarding) return;
    this.items.unshift(item);
    this.bytes += size(item);
  }

  /** Empties the queue, returning what it held in order. */
  drain(): Item[] {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }

  /** Once the stage has ended its stream, later input is dropped rather than queued. */
  discard(): void {
    this.drain();
    this.discarding = true;
  }

  take(signal: AbortSignal, timeoutMs?: number): Promise<Taken> {
    if (signal.aborted) return Promise.resolve(INTERRUPTED);
    if (this.items.length > 0) {
      const item = this.items.shift() as Item;
      this.bytes -= size(item);
      this.onTake();
      return Promise.resolve(item);
    }
    return new Promise<Taken>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(TIMED_OUT), timeoutMs);
      const onAbort = (): void => finish(INTERRUPTED);
      const finish = (taken: Taken): void => {
        this.waiter = undefined;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(taken);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = finish;
    });
  }
}

/** Resolves true after `ms`, false once `signal` aborts; Infinity waits for the abort alone. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => finish(true), ms) : undefined;
    const onAbort = (): void => finish(false);
    const finish = (slept: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(slept);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
