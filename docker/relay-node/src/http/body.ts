// The one bounded request-body reader, and the one reading of a body as a JSON object. Each throws the
// error the caller's protocol speaks (an RPC status, a 400 problem, a gossip refusal), so each route
// keeps its own answer while the reading, its bound and its checks are written once.
import type { IncomingMessage } from 'node:http';

/** Reads the whole body, or throws `tooLarge(maxBytes)` as soon as it grows past `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number, tooLarge: (maxBytes: number) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export type JsonObjectProblem = 'not JSON' | 'not a JSON object';

/** `text` as a JSON object (not an array, not null), or throws `invalid(problem)`. */
export function parseJsonObject(text: string, invalid: (problem: JsonObjectProblem) => Error): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not a JSON object');
  return parsed as Record<string, unknown>;
}
