// Unary RPC over HTTP (contract §2): any POST is a call, the URL path is ignored, the procedure
// comes from Rpc-Procedure. Success carries no Rpc-Status (as OmniRelay's HttpInbound); errors
// carry Rpc-Status (PascalCase), Rpc-Error-Code, Rpc-Error-Message and a JSON body.
// Extension (feature:mesh-roles): every answer names the node that served it in X-Mesh-Node.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage, type Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import type { NodeState } from '../state';
import { type RpcRequest, type ProcedureRegistry } from './procedures';
import { errorCode, httpStatusFor, RpcError, type RpcStatusCode, statusToken } from './status';
import { readBody } from '../http/body';
import { clock } from '../clock';

export const MESH_NODE_HEADER = 'X-Mesh-Node';
/** Extension: on an error answer, `not-applied` promises the call had no effect (clients may count it failed, not unknown). */
export const MESH_OUTCOME_HEADER = 'X-Mesh-Outcome';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface RpcInboundOptions {
  nodeId: string;
  registry: ProcedureRegistry;
  state: NodeState;
  metrics: RelayMetrics;
  log: Logger;
  /** When set and it returns true, the call was handed to another node (seeded defect misroute-rpc). */
  divert?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Calls that need the global leader: took care of the call (relayed it to the holder, or refused it), or undefined to serve it here. */
  forward?: (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<'forwarded' | 'refused' | undefined>;
  /** Calls carrying a home region (geo affinity): same contract as `shardRoute`, tried first. */
  geoRoute?: (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<'served' | 'forwarded' | 'refused' | undefined>;
  /** Calls carrying a shard key (the shard data plane): same contract as `forward`, tried after it. */
  shardRoute?: (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<'served' | 'forwarded' | 'refused' | undefined>;
}

export function createRpcInbound(options: RpcInboundOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { nodeId, registry, state, metrics, log } = options;

  return async (req, res) => {
    res.setHeader(MESH_NODE_HEADER, nodeId);
    if (state.draining) {
      req.resume();
      res.setHeader('Retry-After', '1');
      res.setHeader(MESH_OUTCOME_HEADER, 'not-applied');
      writeError(req, res, 'Unavailable', 'node is draining');
      return;
    }
    const procedure = header(req, 'rpc-procedure');
    if (!procedure) {
      req.resume();
      writeError(req, res, 'InvalidArgument', 'missing required header Rpc-Procedure');
      return;
    }
    metrics.httpRequestsStarted.inc({ rpc_procedure: procedure });
    const startedAt = clock.monotonic();
    state.activeRequests += 1;
    let outcome = 'error';
    try {
      if (options.divert?.(req, res)) {
        outcome = 'forwarded';
        await new Promise<void>((resolve) => res.once('close', () => resolve()));
        return;
      }
      const forwarded =
        (await options.geoRoute?.(req, res, procedure)) ?? (await options.forward?.(req, res, procedure)) ?? (await options.shardRoute?.(req, res, procedure));
      if (forwarded) {
        outcome = forwarded === 'served' ? (res.statusCode < 400 ? 'success' : 'error') : forwarded === 'forwarded' ? 'forwarded' : 'error';
        return;
      }
      const body = await readRequest(req);
      const deadline = header(req, 'rpc-deadline');
      if (deadline && Date.parse(deadline) <= clock.now()) throw new RpcError('DeadlineExceeded', `deadline ${deadline} has passed`);
      const handler = registry.get(procedure);
      if (!handler) throw new RpcError('Unimplemented', `procedure '${procedure}' is not registered on ${nodeId}`);
      const contentType = header(req, 'content-type');
      const request: RpcRequest = {
        procedure,
        caller: header(req, 'rpc-caller'),
        encoding: header(req, 'rpc-encoding') ?? contentType,
        contentType,
        shardKey: header(req, 'rpc-shard-key'),
        body,
      };
      const response = await handler.handle(request);
      res.statusCode = 200;
      res.setHeader('Rpc-Transport', 'http');
      res.setHeader('Rpc-Protocol', `HTTP/${req.httpVersion}`);
      res.setHeader('Rpc-Encoding', response.encoding ?? 'application/octet-stream');
      res.setHeader('Content-Type', response.contentType ?? contentTypeFor(response.encoding));
      res.setHeader('Content-Length', response.body.length);
      res.end(response.body);
      outcome = 'success';
    } catch (error) {
      if (error instanceof RpcError) {
        writeError(req, res, error.status, error.message);
      } else {
        log.error('rpc handler failed', { procedure, error: errorMessage(error) });
        writeError(req, res, 'Internal', errorMessage(error));
      }
    } finally {
      state.activeRequests -= 1;
      metrics.httpRequestsCompleted.inc({
        rpc_procedure: procedure,
        http_response_status_code: String(res.statusCode),
        outcome,
      });
      metrics.httpRequestDuration.observe({ rpc_procedure: procedure, outcome }, clock.monotonic() - startedAt);
    }
  };
}

/** `metadata` adds entries to the error body's metadata (e.g. the backpressure scope of a 429). */
export function writeError(
  req: IncomingMessage,
  res: ServerResponse,
  status: RpcStatusCode,
  message: string,
  metadata: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    message,
    status: statusToken(status),
    code: errorCode(status),
    metadata: { 'omnirelay.status': status, 'omnirelay.transport': 'http', ...metadata },
  });
  res.statusCode = httpStatusFor(status);
  res.setHeader('Rpc-Transport', 'http');
  res.setHeader('Rpc-Protocol', `HTTP/${req.httpVersion}`);
  res.setHeader('Rpc-Status', status);
  res.setHeader('Rpc-Error-Code', errorCode(status));
  res.setHeader('Rpc-Error-Message', headerSafe(message));
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** A request header's first value; undefined when absent or empty. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function contentTypeFor(encoding: string | undefined): string {
  if (encoding === undefined || encoding === 'raw') return 'application/octet-stream';
  if (encoding === 'json') return 'application/json';
  return encoding.includes('/') ? encoding : 'application/octet-stream';
}

/** Header values must be printable ASCII. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024);
}

function readRequest(req: IncomingMessage): Promise<Buffer> {
  return readBody(req, MAX_BODY_BYTES, (max) => new RpcError('ResourceExhausted', `request body exceeds ${max} bytes`));
}
