// TCP helpers for the tests: upstream servers with scripted behaviour and a client that records what it
// receives and when, so toxic effects can be asserted on real sockets.
import { connect, createServer, type Socket } from 'node:net';

export interface TestServer {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/** A loopback server; `onConnection` scripts each accepted socket. */
export async function startUpstream(onConnection: (socket: Socket) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes everything back; closes when the client does. */
export const echo = (socket: Socket): void => {
  socket.pipe(socket);
};

/** Writes `data` as soon as a client connects, then closes (`end`) or stays open. */
export const sendOnConnect =
  (data: Buffer | string, end: boolean) =>
  (socket: Socket): void => {
    socket.write(data);
    if (end) socket.end();
  };

export interface Received {
  readonly data: Buffer;
  readonly at: number;
}

export interface Closed {
  readonly at: number;
  readonly error?: NodeJS.ErrnoException;
}

export class TestClient {
  readonly chunks: Received[] = [];
  readonly closed: Promise<Closed>;
  private error: NodeJS.ErrnoException | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: Socket,
    readonly openedAt: number,
  ) {
    socket.on('data', (data: Buffer) => {
      this.chunks.push({ data, at: performance.now() });
      for (const wake of this.waiters) wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (this.error = error));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve({ at: performance.now(), ...(this.error ? { error: this.error } : {}) });
        for (const wake of this.waiters) wake();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new TestClient(socket, performance.now()));
      });
    });
  }

  get bytes(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
  }

  received(): string {
    return Buffer.concat(this.chunks.map((c) => c.data)).toString();
  }

  /** Resolves with the time the `count`-th byte arrived; rejects after `timeoutMs` or on close. */
  waitForBytes(count: number, timeoutMs = 5000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${count} bytes (have ${this.bytes})`)), timeoutMs);
      const check = (): void => {
        if (this.bytes >= count) return done(undefined, this.chunks.at(-1)?.at ?? performance.now());
        if (this.socket.destroyed) done(new Error(`closed after ${this.bytes} of ${count} bytes`));
      };
      const done = (error?: Error, at?: number): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        if (error) reject(error);
        else resolve(at ?? performance.now());
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Writes `payload` and measures until as many more bytes came back (an echo upstream). */
  async roundTrip(payload = 'ping'): Promise<number> {
    const start = performance.now();
    const expected = this.bytes + Buffer.byteLength(payload);
    this.socket.write(payload);
    return (await this.waitForBytes(expected)) - start;
  }

  /** Resolves with the close, or undefined if the socket is still open after `ms`. */
  closedWithin(ms: number): Promise<Closed | undefined> {
    return within(this.closed, ms);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The error code of a connection attempt, or "connected". */
export function connectOutcome(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** `promise`'s value, or undefined if it has not settled after `ms` (the timer never outlives the race). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port that was free a moment ago (for tests that must name a fixed listen port). */
export async function freePort(): Promise<number> {
  const server = await startUpstream(() => {});
  await server.close();
  return server.port;
}

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}
