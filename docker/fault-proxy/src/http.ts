// Response conventions of the Go server: JSON on success, `{"error","status"}` + newline as text/plain on
// failure (http.Error), and an X-Toxiproxy-Request-Id header (an xid) on every response.
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors';

const MAX_BODY = 1 << 20;
const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
const machine = randomBytes(3);
let counter = randomInt(0, 0xffffff);

/** An xid (what zerolog's hlog.RequestIDHandler emits): 12 bytes (time, machine, pid, counter), 20 base32hex chars. */
export function requestId(): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0);
  machine.copy(bytes, 4);
  bytes.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  bytes.writeUIntBE(counter, 9, 3);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out + BASE32HEX[(value << (5 - bits)) & 31];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const apiError = error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 500);
  sendText(res, apiError.status, `${JSON.stringify(apiError)}\n`);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError('bad request body: http: request body too large', 400);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
