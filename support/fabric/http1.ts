// HTTP/1.1 over plain keep-alive sockets, for the load driver: one request in flight per connection, the
// answer parsed here (Content-Length, chunked with trailers, or until close).
import net from 'node:net';

// Node's http client with a keep-alive agent spends about three times the CPU per call that autocannon
// does: measured on this 2-core machine against one Node echo server, 1,000 connections, ~6k calls/s
// (http.request), ~13k (undici dispatch), ~18k (autocannon and this client). The client and the nodes
// share the cores, so a lighter client also disturbs the cluster less. A virtual client has at most one
// call in flight, so there is no pipelining and no request queue: a call takes an idle connection to its
// peer (or opens one), writes the request in one write and parses the answer: Content-Length, chunked,
// or until close, honouring `Connection: close` and the `Keep-Alive: timeout=` hint.

/** A transport failure; `code` becomes the status key in summaries (`timeout`, `closed-before-answer`, …). */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface Http1Answer {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

const MAX_HEAD_BYTES = 64 * 1024;
/** Node's default server keep-alive timeout is 5 s: reuse an idle connection only well inside it. */
const DEFAULT_IDLE_LIMIT_MS = 4_000;

type ParseMode = 'idle' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'until-close';

/** One keep-alive connection with at most one request in flight. */
export class Http1Connection {
  private readonly socket: net.Socket;
  private buf: Buffer | undefined;
  private mode: ParseMode = 'idle';
  private remaining = 0;
  private status = 0;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  private keepAlive = true;
  private done: ((answer: Http1Answer | Error) => void) | undefined;
  /** Closed or unusable: never handed out again. */
  dead = false;
  idleSinceMs = 0;
  idleLimitMs = DEFAULT_IDLE_LIMIT_MS;

  /** `connected` is called once: with true when the connection is established, false when it failed to be. */
  constructor(host: string, port: number, connected: (ok: boolean) => void = () => undefined) {
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      connected(ok);
    };
    this.socket.once('connect', () => settle(true));
    this.socket.once('close', () => settle(false));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('end', () => {
      if (this.mode === 'until-close') this.complete();
      else this.fail(new TransportError('connection closed before the answer', 'closed-before-answer'));
    });
    this.socket.on('close', () => this.fail(new TransportError('connection closed before the answer', 'closed-before-answer')));
  }

  /**
   * Writes a whole request (head and body); `done` gets the answer or the error, exactly once. `sent`, if
   * given, is called when the request goes out: at once on an established connection, on `connect` for
   * one still connecting (the socket buffers the bytes until then).
   */
  request(bytes: string, done: (answer: Http1Answer | Error) => void, sent?: () => void): void {
    if (this.dead || this.done) throw new Error('connection not available for a request');
    this.mode = 'head';
    this.done = done;
    this.chunks = [];
    this.headers = {};
    this.keepAlive = true;
    if (sent) {
      if (this.socket.connecting) this.socket.once('connect', sent);
      else sent();
    }
    this.socket.write(bytes);
  }

  /** Ends the request in flight with `error` (e.g. a timeout) and closes the connection. */
  abort(error: Error): void {
    this.fail(error);
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.dead = true;
    this.socket.destroy();
    this.mode = 'idle';
    const done = this.done;
    this.done = undefined;
    done?.(error);
  }

  private complete(): void {
    const done = this.done;
    this.done = undefined;
    this.mode = 'idle';
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // Bytes after the answer were never asked for: the connection cannot be trusted any more.
    if (!this.keepAlive || (this.buf !== undefined && this.buf.length > 0)) this.destroy();
    this.buf = undefined;
    done?.({ status: this.status, headers: this.headers, body });
  }

  private onData(chunk: Buffer): void {
    if (!this.done) {
      this.fail(new TransportError('data on an idle connection', 'protocol-error'));
      return;
    }
    this.buf = this.buf !== undefined && this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.parse();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private parse(): void {
    for (;;) {
      const buf = this.buf;
      if (buf === undefined || !this.done) return;
      switch (this.mode) {
        case 'head': {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_HEAD_BYTES) throw new TransportError(`answer head over ${MAX_HEAD_BYTES} bytes`, 'protocol-error');
            return;
          }
          this.buf = buf.subarray(end + 4);
          this.parseHead(buf.toString('latin1', 0, end));
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length);
          if (take > 0) {
            this.chunks.push(buf.subarray(0, take));
            this.remaining -= take;
            this.buf = buf.subarray(take);
          }
          if (this.remaining > 0) return;
          if (this.mode === 'length') {
            this.complete();
            return;
          }
          this.mode = 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const eol = buf.indexOf('\r\n');
          if (eol < 0) {
            if (buf.length > 1024) throw new TransportError('chunk size line too long', 'protocol-error');
            return;
          }
          const sizeText = buf.toString('latin1', 0, eol).split(';')[0]!.trim();
          const size = /^[0-9a-fA-F]{1,8}$/.test(sizeText) ? parseInt(sizeText, 16) : NaN;
          if (Number.isNaN(size)) throw new TransportError(`bad chunk size ${JSON.stringify(sizeText)}`, 'protocol-error');
          this.buf = buf.subarray(eol + 2);
          this.mode = size === 0 ? 'trailer' : 'chunk-data';
          this.remaining = size;
          break;
        }
        case 'chunk-end': {
          if (buf.length < 2) return;
          if (buf[0] !== 13 || buf[1] !== 10) throw new TransportError('chunk not followed by CRLF', 'protocol-error');
          this.buf = buf.subarray(2);
          this.mode = 'chunk-size';
          break;
        }
        case 'trailer': {
          const eol = buf.indexOf('\r\n');
          if (eol < 0) return;
          this.buf = buf.subarray(eol + 2);
          if (eol === 0) {
            this.complete();
            return;
          }
          break;
        }
        case 'until-close':
          if (buf.length > 0) this.chunks.push(buf);
          this.buf = undefined;
          return;
        default:
          return;
      }
    }
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!m) throw new TransportError(`bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`, 'protocol-error');
    this.status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new TransportError(`bad header line ${JSON.stringify(line.slice(0, 80))}`, 'protocol-error');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    if (this.status < 200) {
      this.mode = 'head'; // 1xx: the real answer follows
      return;
    }
    this.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '0' ? connection.includes('keep-alive') : !connection.includes('close');
    const hint = /timeout=(\d+)/.exec(headers['keep-alive'] ?? '');
    if (hint) {
      // The server closes an idle connection after about `timeout` seconds (Node floors its timer to the
      // hint): stop reusing it a margin earlier, half the hint for short ones, a second for longer ones.
      const seconds = Number(hint[1]);
      this.idleLimitMs = Math.min(DEFAULT_IDLE_LIMIT_MS, seconds * 1000 - Math.min(1_000, seconds * 500));
    }
    if (this.status === 204 || this.status === 304) {
      this.mode = 'length';
      this.remaining = 0;
    } else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      this.mode = 'chunk-size';
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0)
        throw new TransportError(`bad content-length ${JSON.stringify(headers['content-length'])}`, 'protocol-error');
      this.mode = 'length';
      this.remaining = length;
    } else {
      this.mode = 'until-close';
      this.keepAlive = false;
    }
  }
}

/**
 * Keep-alive connections to one peer: idle ones are reused last-in first-out; new ones are opened on
 * demand, at most `maxConnecting` attempts at a time. 1,000 clients opening their connections at once
 * overflow a listen backlog (Node's default is 511): the dropped SYNs come back a second later and the
 * first calls of half the clients take 1–3 s. Calls over the limit wait, first come first served, for a
 * connection attempt to finish or a connection to be released.
 */
export class Http1Pool {
  private idle: Http1Connection[] = [];
  private connecting = 0;
  private readonly waiting = new Set<(conn: Http1Connection) => void>();

  constructor(
    readonly host: string,
    readonly port: number,
    /** The Host header: `127.0.0.1:8080`. */
    readonly hostHeader: string,
    readonly maxConnecting = 128,
  ) {}

  /** Hands a connection to `use`, now or once one is free; `cancel(use)` withdraws a waiting request. */
  acquire(use: (conn: Http1Connection) => void): void {
    const now = performance.now();
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (!conn.dead && now - conn.idleSinceMs < conn.idleLimitMs) return use(conn);
      conn.destroy();
    }
    if (this.connecting < this.maxConnecting) return use(this.open());
    this.waiting.add(use);
  }

  cancel(use: (conn: Http1Connection) => void): void {
    this.waiting.delete(use);
  }

  release(conn: Http1Connection): void {
    if (conn.dead) return;
    const next = this.next();
    if (next) return next(conn);
    conn.idleSinceMs = performance.now();
    this.idle.push(conn);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  close(): void {
    for (const conn of this.idle) conn.destroy();
    this.idle = [];
  }

  /**
   * Opens `count` connections before any call, at most `maxConnecting` at a time, and keeps those that
   * connect as idle ones (or hands them to waiting calls). Resolves with how many connected, at the latest
   * after `timeoutMs`: attempts still pending then are abandoned (a peer that drops SYNs never answers).
   */
  preconnect(count: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      let started = 0;
      let settled = 0;
      let opened = 0;
      let over = false;
      const pending = new Set<Http1Connection>();
      const finish = () => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        // Abandoned attempts stop counting now, not when their sockets have closed.
        this.connecting -= pending.size;
        const abandoned = [...pending];
        pending.clear();
        for (const conn of abandoned) conn.destroy();
        resolve(opened);
      };
      const timer = setTimeout(finish, timeoutMs);
      const more = () => {
        while (!over && started < count && this.connecting < this.maxConnecting) {
          started++;
          this.connecting++;
          const conn: Http1Connection = new Http1Connection(this.host, this.port, (ok) => {
            if (!pending.delete(conn)) return; // abandoned at the deadline
            this.connecting--;
            settled++;
            if (ok) {
              opened++;
              this.release(conn);
            }
            if (settled === count) finish();
            else more();
          });
          pending.add(conn);
        }
      };
      if (count <= 0) finish();
      else more();
    });
  }

  private open(): Http1Connection {
    this.connecting++;
    return new Http1Connection(this.host, this.port, () => {
      this.connecting--;
      const next = this.next();
      if (next) this.acquire(next);
    });
  }

  private next(): ((conn: Http1Connection) => void) | undefined {
    for (const use of this.waiting) {
      this.waiting.delete(use);
      return use;
    }
    return undefined;
  }
}

/** `Name: value\r\n` lines; names must be tokens and values free of line breaks (no header injection). */
export function requestHeaderLines(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`header name ${JSON.stringify(name)} is not an HTTP token`);
      if (/[\r\n\0]/.test(value)) throw new Error(`header ${name}: the value must not contain line breaks`);
      if (/^(host|content-length|transfer-encoding|connection)$/i.test(name)) throw new Error(`header ${name} is set by the driver`);
      return `${name}: ${value}\r\n`;
    })
    .join('');
}
