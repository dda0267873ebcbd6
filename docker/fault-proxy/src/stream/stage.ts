// One toxic running on one direction of one connection. Whether it affects this connection is drawn from
// `toxicity` each time it starts (connection opened, toxic added or updated); otherwise it runs as noop.
import type { Toxic } from '../toxics/toxic';
import { noop } from '../toxics/noop';
import type { Item, Stub } from '../toxics/types';
import { Channel, sleep, type Inlet } from './channel';

export interface StageHooks {
  /** Input was consumed: the link may resume its source. */
  readonly onTake: () => void;
  readonly reset: () => void;
  readonly fail: (error: unknown) => void;
}

interface Run {
  readonly abort: AbortController;
  readonly done: Promise<void>;
  readonly affected: boolean;
}

export class Stage {
  readonly input: Channel;
  readonly state: Record<string, number> = {};
  private run: Run | undefined;
  private closed = false;

  constructor(
    readonly toxic: Toxic,
    /** Where emitted chunks go; the link rewires it when stages are added or removed. */
    public next: Inlet,
    private readonly hooks: StageHooks,
  ) {
    this.input = new Channel(hooks.onTake);
  }

  get affected(): boolean {
    return this.run?.affected ?? false;
  }

  start(): void {
    if (this.closed) return;
    const abort = new AbortController();
    const affected = Math.random() < this.toxic.toxicity;
    const definition = affected ? this.toxic.definition : noop;
    const done = definition.pipe(this.stub(abort.signal), { ...this.toxic.attributes }).catch(this.hooks.fail);
    this.run = { abort, done, affected };
  }

  /** Stops the toxic's loop; resolves once it has returned (and put back what it held). */
  async interrupt(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    if (!run) return;
    run.abort.abort();
    await run.done;
  }

  /** Ends the stream here: the end goes on to `next`, anything still queued or arriving is dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input.discard();
    this.next.push(null);
  }

  private stub(signal: AbortSignal): Stub {
    return {
      state: this.state,
      take: (timeoutMs) => this.input.take(signal, timeoutMs),
      putBack: (item: Item) => this.input.unshift(item),
      emit: (chunk) => this.next.push(chunk),
      close: () => this.close(),
      reset: () => this.hooks.reset(),
      sleep: (ms) => sleep(ms, signal),
    };
  }
}
