// The one bounded request-body reader. It stops at `maxBytes` and throws the error the caller's
// protocol speaks (an RPC status, a 400 problem, a gossip refusal), so each route keeps its own answer
// while the reading, and its bound, is written once.
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
