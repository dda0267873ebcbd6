// One direction of a proxied connection: source socket → toxic stages → destination socket. Chunks stream
// through as they are read; the source is paused while too much is queued, so nothing buffers without bound.
import type { Socket } from 'node:net';
import type { LinkHandle } from '../toxics/collection';
import type { Toxic } from '../toxics/toxic';
import type { Direction, Item } from '../toxics/types';
import type { Inlet } from './channel';
import { Stage, type StageHooks } from './stage';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;
/** How long a closing socket may take to flush what was written before it is torn down anyway. */
const FLUSH_MS = 5000;

/** The socket end of a link. The stream's end closes the socket entirely, as the Go server's Close() does. */
class Sink implements Inlet {
  private ended = false;

  constructor(private readonly dest: Socket) {}

  push(item: Item): void {
    if (this.ended || this.dest.destroyed) return;
    if (item !== null) {
      this.dest.write(item.data);
      return;
    }
    this.ended = true;
    const dest = this.dest;
    const timer = setTimeout(() => dest.destroy(), FLUSH_MS);
    timer.unref();
    dest.end(() => {
      clearTimeout(timer);
      dest.destroy();
    });
  }
}

export interface LinkHooks {
  readonly reset: () => void;
  readonly fail: (error: unknown) => void;
}

export class Link implements LinkHandle {
  private readonly stages: Stage[] = [];
  private readonly sink: Sink;
  private readonly hooks: StageHooks;
  private paused = false;
  private ended = false;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    toxics: readonly Toxic[],
    hooks: LinkHooks,
  ) {
    this.sink = new Sink(dest);
    this.hooks = { ...hooks, onTake: () => this.flow() };
    for (const toxic of toxics) this.append(toxic);
    source.on('data', (data: Buffer) => {
      this.head().push({ data, at: performance.now() });
      this.flow();
    });
    const end = (): void => {
      if (this.ended) return;
      this.ended = true;
      this.head().push(null);
    };
    source.once('end', end);
    source.once('close', end);
    dest.on('drain', () => this.flow());
  }

  append(toxic: Toxic): void {
    const stage = new Stage(toxic, this.sink, this.hooks);
    const last = this.stages.at(-1);
    if (last) last.next = stage.input;
    this.stages.push(stage);
    stage.start();
  }

  async restart(name: string): Promise<void> {
    const stage = this.stages.find((s) => s.toxic.name === name);
    if (!stage) return;
    await stage.interrupt();
    stage.start();
  }

  async remove(name: string): Promise<void> {
    const stage = this.stages.find((s) => s.toxic.name === name);
    if (!stage) return;
    const closes = stage.affected && stage.toxic.definition.closeOnRemove === true;
    await stage.interrupt();
    const index = this.stages.indexOf(stage);
    const next = this.stages[index + 1]?.input ?? this.sink;
    if (closes) {
      stage.close();
    } else {
      // What the stage still held goes on, behind what it already emitted, so order is kept.
      for (const item of stage.input.drain()) next.push(item);
    }
    const previous = this.stages[index - 1];
    if (previous) previous.next = next;
    this.stages.splice(index, 1);
    this.flow();
  }

  /** The connection is gone: stop every toxic's loop (and its timers). */
  stop(): void {
    for (const stage of this.stages) void stage.interrupt();
  }

  private head(): Inlet {
    return this.stages[0]?.input ?? this.sink;
  }

  private flow(): void {
    if (this.source.destroyed) return;
    const queued = this.stages.reduce((sum, stage) => sum + stage.input.bytes, 0) + this.dest.writableLength;
    if (!this.paused && queued > HIGH_WATER) {
      this.paused = true;
      this.source.pause();
    } else if (this.paused && queued <= LOW_WATER) {
      this.paused = false;
      this.source.resume();
    }
  }
}
