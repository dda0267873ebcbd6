// Relaying another node's answer back to our caller: status and headers as it sent them (less the
// hop-by-hop ones and our own X-Mesh-Received-By; X-Mesh-Node names the node that served), body streamed.
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostPort } from './http-endpoints';
import { MESH_NODE_HEADER, writeError } from './inbound';
import type { RpcStatusCode } from './status';

const NOT_RELAYED = /^(connection|keep-alive|transfer-encoding|x-mesh-received-by)$/i;

export function relayAnswer(answer: IncomingMessage, res: ServerResponse, onEnd: () => void): void {
  const relayed: string[] = [];
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
    const name = answer.rawHeaders[i] ?? '';
    if (!NOT_RELAYED.test(name)) relayed.push(name, answer.rawHeaders[i + 1] ?? '');
  }
  res.removeHeader(MESH_NODE_HEADER);
  res.writeHead(answer.statusCode ?? 502, relayed);
  answer.pipe(res);
  answer.on('end', onEnd);
  answer.on('error', () => res.destroy());
}

export interface ForwardOptions {
  /** Added to the caller's headers (host and connection are dropped). */
  readonly headers: Readonly<Record<string, string>>;
  /** No answer by then fails the forward. */
  readonly timeoutMs: number;
  /** Aborted before the target answers: give up on it at once (onError gets the signal's reason). */
  readonly signal?: AbortSignal;
  /** The target answered (before its answer is relayed). */
  readonly onAnswer?: () => void;
  /** The forward failed (refused, reset, timed out): what to answer the caller, if our answer has not started. */
  readonly onError: (error: Error) => { status: RpcStatusCode; message: string };
}

/** Sends the caller's call on to `target` and relays its answer; resolves when our answer is done. */
export function forwardCall(req: IncomingMessage, res: ServerResponse, target: HostPort, options: ForwardOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, ...options.headers };
    delete headers.host;
    delete headers.connection;
    const upstream = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers });
    const timer = setTimeout(() => upstream.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    const abandon = (): void => {
      const reason: unknown = options.signal?.reason;
      upstream.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    };
    if (options.signal?.aborted) abandon();
    else options.signal?.addEventListener('abort', abandon, { once: true });
    upstream.on('response', (answer) => {
      options.signal?.removeEventListener('abort', abandon);
      options.onAnswer?.();
      relayAnswer(answer, res, () => clearTimeout(timer));
    });
    upstream.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      const { status, message } = options.onError(error);
      if (res.headersSent) res.destroy();
      else writeError(req, res, status, message);
      resolve();
    });
    res.once('close', () => resolve());
    req.pipe(upstream);
  });
}
