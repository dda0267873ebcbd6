// The receiver's HTTP server; main.ts and the tests both use startOtlpReceiver().
//   POST   /v1/traces   OTLP/HTTP trace export, JSON encoding (application/json), optionally gzip/deflate
//   GET    /spans       ?name=&since=&node= → {spans: [...]} oldest first
//   DELETE /spans       → {deleted: n}
//   GET    /healthz     → {status: "ok", spans, received, evicted, capacity}
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { IExportTraceServiceResponse } from '@opentelemetry/otlp-transformer';
import { errorText, type Logger, silentLogger } from './log';
import { decodeTraceRequest, OtlpDecodeError } from './otlp-json';
import { type SpanQuery, SpanStore } from './store';

export const DEFAULT_PORT = 4318;
export const DEFAULT_MAX_SPANS = 50_000;
/** Largest request body accepted (after decompression too). */
const MAX_BODY_BYTES = 32 << 20;
/** google.rpc.Code INVALID_ARGUMENT, for the Status body of refused exports. */
const INVALID_ARGUMENT = 3;

export interface OtlpReceiverOptions {
  /** Default 127.0.0.1; the container passes 0.0.0.0. */
  readonly host?: string;
  /** Default 4318 (OTLP/HTTP); 0 picks a free port. */
  readonly port?: number;
  /** Spans kept before the oldest are evicted (default 50,000). */
  readonly maxSpans?: number;
  readonly log?: Logger;
}

export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:4318 (a wildcard host is reached through loopback). */
  readonly url: string;
  readonly port: number;
  readonly store: SpanStore;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const log = options.log ?? silentLogger;
  const store = new SpanStore(options.maxSpans ?? DEFAULT_MAX_SPANS);
  const server: Server = createServer((req, res) => {
    handle(req, res, store, log).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof OtlpDecodeError ? 400 : 500;
      if (status === 500) log.warn('request failed', { method: req.method, url: req.url, error: errorText(error) });
      sendStatus(res, status, errorText(error));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? DEFAULT_PORT }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : (options.port ?? DEFAULT_PORT);
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    url: `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`,
    port,
    store,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, store: SpanStore, log: Logger): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://otlp-receiver');
  const route = ROUTES[url.pathname];
  if (!route) throw new HttpError(404, `no route ${url.pathname}`);
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  if (!route.includes(method)) {
    res.setHeader('Allow', route.join(', '));
    throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`);
  }
  switch (`${method} ${url.pathname}`) {
    case 'POST /v1/traces': {
      const spans = decodeTraceRequest(await readExport(req));
      store.add(spans);
      if (spans.length > 0) log.info('spans received', { count: spans.length, names: [...new Set(spans.map((s) => s.name))] });
      const answer: IExportTraceServiceResponse = {};
      sendJson(res, 200, answer);
      return;
    }
    case 'GET /spans':
      sendJson(res, 200, { spans: store.query(parseQuery(url)) });
      return;
    case 'DELETE /spans':
      sendJson(res, 200, { deleted: store.clear() });
      return;
    case 'GET /healthz':
      sendJson(res, 200, { status: 'ok', spans: store.size, received: store.received, evicted: store.evicted, capacity: store.capacity });
      return;
  }
}

const ROUTES: Record<string, readonly string[]> = {
  '/v1/traces': ['POST'],
  '/spans': ['GET', 'DELETE'],
  '/healthz': ['GET'],
};

/** The export body as text: JSON only (the encoding OpenTelemetry's OTLP/HTTP JSON exporter sends), gzip or deflate allowed. */
async function readExport(req: IncomingMessage): Promise<string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new HttpError(415, `unsupported content type ${JSON.stringify(type)}: this receiver accepts OTLP/JSON (application/json) only`);
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'deflate'].includes(encoding)) {
    req.resume();
    throw new HttpError(415, `unsupported content encoding ${JSON.stringify(encoding)} (identity, gzip or deflate)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let body = Buffer.concat(chunks);
  if (encoding !== 'identity') {
    try {
      body = await (encoding === 'gzip' ? promisify(gunzip) : promisify(inflate))(body, { maxOutputLength: MAX_BODY_BYTES });
    } catch (error) {
      throw new HttpError(400, `body is not valid ${encoding}: ${errorText(error)}`);
    }
  }
  return body.toString('utf8');
}

function parseQuery(url: URL): SpanQuery {
  const query: SpanQuery = {};
  const name = url.searchParams.get('name');
  if (name) query.name = name;
  const node = url.searchParams.get('node');
  if (node) query.node = node;
  const since = url.searchParams.get('since');
  if (since) query.sinceUnixNano = sinceNanos(since);
  return query;
}

/** `since`: unix milliseconds (e.g. Date.now()) or an ISO-8601 instant. */
export function sinceNanos(value: string): bigint {
  if (/^\d+(\.\d+)?$/.test(value)) return BigInt(Math.round(Number(value) * 1e6));
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, `since must be unix milliseconds or an ISO-8601 instant, got ${JSON.stringify(value)}`);
  return BigInt(ms) * 1_000_000n;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** Errors as a google.rpc.Status in JSON, the body OTLP/HTTP prescribes for refused exports. */
function sendStatus(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { code: INVALID_ARGUMENT, message });
}
