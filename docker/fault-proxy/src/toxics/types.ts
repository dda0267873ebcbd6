// The contract between a connection's pipeline and a toxic. A toxic is an async loop over its stage's input,
// like the Go server's Pipe(stub): it takes chunks, emits them (changed, delayed, dropped) and ends the stream.
// When the toxic is updated or removed the loop is interrupted: `take` answers INTERRUPTED, `sleep` answers false,
// and the loop must put back whatever it still holds so no byte is lost or reordered.

/** upstream = client → server, downstream = server → client. */
export type Direction = 'upstream' | 'downstream';

export interface Chunk {
  readonly data: Buffer;
  /** performance.now() when the bytes were read from the source socket. */
  readonly at: number;
}

/** `null` marks the end of the stream (the source closed). */
export type Item = Chunk | null;

export const INTERRUPTED = Symbol('interrupted');
export const TIMED_OUT = Symbol('timed-out');
export type Taken = Item | typeof INTERRUPTED | typeof TIMED_OUT;

export interface Stub {
  /** The next item; TIMED_OUT when `timeoutMs` passes first; INTERRUPTED when the toxic must stop. */
  take(timeoutMs?: number): Promise<Taken>;
  /** Return an item to the front of the input (on interruption). */
  putBack(item: Item): void;
  emit(chunk: Chunk): void;
  /** End the stream here: the end travels on, the connection closes once it reaches the socket. */
  close(): void;
  /** Abort the whole connection with a TCP RST on both sockets. */
  reset(): void;
  /** Resolves true after `ms` (Infinity = until interrupted), false as soon as the toxic is interrupted. */
  sleep(ms: number): Promise<boolean>;
  /** Per connection and direction, kept across updates (limit_data counts bytes in it). */
  readonly state: Record<string, number>;
}

export type Attributes = Readonly<Record<string, number>>;

export interface ToxicDefinition {
  /** Attribute names in the Go struct's order; all are integers and default to 0. */
  readonly attributes: readonly string[];
  pipe(stub: Stub, attributes: Attributes): Promise<void>;
  /** Removing the toxic ends the streams it affects (Go's CleanupToxic: timeout). */
  readonly closeOnRemove?: boolean;
}

export const attr = (attributes: Attributes, name: string): number => attributes[name] ?? 0;
