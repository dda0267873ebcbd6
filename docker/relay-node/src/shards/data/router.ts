// The inbound's `shardRoute` hook: calls carrying Rpc-Shard-Key (or, for the shard procedures, a
// body `key`) go to the shard's owner. The receiving node forwards once (X-Mesh-Forwarded-By); the
// owner serves, within the shard's QPS budget. A forwarded call reaching a node that does not serve
// the shard waits up to 1 s for its map or an install to make it the owner, else 503 not-applied.
// Shard procedures are served here, not by the registry, so that errors can promise `not-applied`
// and in-flight calls can be tracked (drain, moves).
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DefectName } from '../../defects';
import type { MembershipTable } from '../../gossip/membership';
import { errorMessage, type Logger } from '../../log';
import { RECEIVED_BY_HEADER } from '../../rpc/global';
import { formatHostPort, httpEndpointOf } from '../../rpc/http-endpoints';
import { header, MESH_OUTCOME_HEADER, writeError } from '../../rpc/inbound';
import { FORWARDED_BY_HEADER } from '../../rpc/misroute';
import { relayAnswer } from '../../rpc/relay';
import { RpcError } from '../../rpc/status';
import type { ShardMapView } from '../types';
import { xxhash64 } from '../xxhash64';
import { type Throttle, writeThrottled } from '../../backpressure/answer';
import { MAX_QUEUE_MS, type QpsMeter } from './budget';
import type { Handover } from './handover';
import { missingKey, parseJsonBody, PINGPONG, SLOW_CALL, type ShardCall, type ShardProcedure } from './procedures';
import { AbandonedError, NotServingError, type Replication, ShardError, type ShardMetrics } from './replication';
import { readBody } from '../../http/body';
import { clock } from '../../clock';

export const SHARD_HEADER = 'X-Mesh-Shard';
/** Marks a call passed on by an old owner after a handover: never passed on that way twice. */
export const HANDOVER_HOP_HEADER = 'x-mesh-handover-hop';
const WAIT_FOR_OWNERSHIP_MS = 1000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type ShardRouteResult = 'served' | 'forwarded' | 'refused' | undefined;

/** Shard of a key: a configured shard id is itself; anything else hashes (XXH64 of UTF-8) onto the ids. */
export function shardForKey(key: string, ids: readonly string[]): string {
  if (ids.includes(key)) return key;
  return ids[Number(xxhash64(key) % BigInt(ids.length))] ?? key;
}

/** A call being served on this node (the target of drop-inflight-on-move and drain-acks-inflight). */
export interface InFlightCall {
  shardId: string;
  req: IncomingMessage;
  res: ServerResponse;
  procedure: ShardProcedure | undefined;
  call: ShardCall | undefined;
  abort: AbortController;
}

export class InFlightCalls {
  readonly calls = new Set<InFlightCall>();

  count(shardId: string): number {
    let n = 0;
    for (const call of this.calls) if (call.shardId === shardId) n += 1;
    return n;
  }

  forShard(shardId: string): InFlightCall[] {
    return [...this.calls].filter((call) => call.shardId === shardId);
  }
}

export interface RouterDeps {
  nodeId: string;
  ids: readonly string[];
  httpPort: number;
  forwardTimeoutMs: number;
  handoverTimeoutMs: number;
  replicationTimeoutMs: number;
  table: MembershipTable;
  view: ShardMapView;
  replication: Replication;
  handover: Handover;
  /** The budgets (shard and node) an owner applies, and the ingress throttle for pressured owners in other regions. */
  pressure: { admit(shardId: string): Promise<Throttle | undefined>; ingress(shardId: string, ownerNodeId: string): Throttle | undefined };
  meter: QpsMeter;
  inflight: InFlightCalls;
  procedures: ReadonlyMap<string, ShardProcedure>;
  metrics: ShardMetrics;
  log: Logger;
  defects?: ReadonlySet<DefectName>;
}

export function createShardRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<ShardRouteResult> {
  const { nodeId, replication, view, metrics } = deps;

  return async (req, res, procedureName) => {
    const procedure = deps.procedures.get(procedureName);
    const headerKey = header(req, 'rpc-shard-key');
    if (!procedure && headerKey === undefined) return undefined;
    const forwardedBy = header(req, FORWARDED_BY_HEADER);
    res.setHeader(RECEIVED_BY_HEADER, forwardedBy ?? nodeId);

    // Shard procedures may carry the key in the body: buffer it, then serve or forward it from here.
    let body: Buffer | undefined;
    let parsed: Record<string, unknown> = {};
    let key = headerKey;
    if (procedure) {
      try {
        body = await readRequest(req);
        parsed = parseJsonBody(body, procedureName);
        key = procedure.routingKey(parsed, headerKey);
        if (key === undefined) throw missingKey(procedureName);
      } catch (error) {
        return refuse(req, res, metrics, error);
      }
    }
    const shardId = shardForKey(key ?? '', deps.ids);
    res.setHeader(SHARD_HEADER, shardId);

    const deadline = clock.monotonic() + WAIT_FOR_OWNERSHIP_MS;
    let refreshed = false;
    for (;;) {
      const slot = replication.sync(shardId);
      if (slot.handingOver) {
        await deps.handover.hold(shardId, slot.handingOver);
        // Seeded defect held-calls-refused-after-handover: "not applied" is taken as licence to refuse
        // the calls that waited out the handover, rather than pass them on to the new owner.
        if (deps.defects?.has('held-calls-refused-after-handover') && replication.sync(shardId).ownerFence === undefined) {
          return refuse(req, res, metrics, new ShardError('Unavailable', `${nodeId} handed ${shardId} over while the call waited: call again`, true));
        }
        continue;
      }
      if (slot.ownerFence !== undefined) {
        if (!procedure) return admitForRegistry(deps, req, res, shardId);
        const outcome = await serve(deps, req, res, procedure, shardId, parsed);
        if (outcome !== 'reroute') return outcome;
        continue;
      }
      if (slot.handedTo && header(req, HANDOVER_HOP_HEADER) === undefined) {
        return relay(deps, req, res, slot.handedTo.nodeId, body, forwardedBy, true, timeoutFor(deps, procedureName, parsed));
      }
      const record = view.record(shardId);
      if (record && record.ownerNodeId !== nodeId && forwardedBy === undefined) {
        // Ingress: the owner is in another region and under pressure per gossip (docs/backpressure.md).
        const shed = deps.pressure.ingress(shardId, record.ownerNodeId);
        if (shed) return throttle(req, res, metrics, shed);
        return relay(deps, req, res, record.ownerNodeId, body, forwardedBy, false, timeoutFor(deps, procedureName, parsed));
      }
      // Forwarded here by a node with an older map (this node handed the shard over, and has since seen
      // the map that says so): one more hop to the owner its newer map names, never a third. That may be
      // the forwarder itself, which has become the owner since it forwarded the call.
      if (record && record.ownerNodeId !== nodeId && header(req, HANDOVER_HOP_HEADER) === undefined) {
        return relay(deps, req, res, record.ownerNodeId, body, forwardedBy, true, timeoutFor(deps, procedureName, parsed));
      }
      // A forwarded call here, or a map naming this node that it cannot act on: wait for news.
      const left = deadline - clock.monotonic();
      if (left <= 0) {
        const message = record
          ? `${nodeId} does not serve ${shardId} (map v${view.current()?.version ?? '?'} names ${record.ownerNodeId} at fence ${record.fenceToken})`
          : `no owner known for ${shardId} on ${nodeId}`;
        return refuse(req, res, metrics, new ShardError('Unavailable', message, true));
      }
      if (!refreshed) {
        refreshed = true;
        view.refresh().then(
          () => replication.changed.notify(),
          () => undefined,
        );
      }
      await replication.changed.wait(left);
    }
  };
}

/** Non-shard procedures with a shard key served here: budget and tracking, then the registry runs them. */
async function admitForRegistry(deps: RouterDeps, req: IncomingMessage, res: ServerResponse, shardId: string): Promise<ShardRouteResult> {
  const tracked: InFlightCall = { shardId, req, res, procedure: undefined, call: undefined, abort: new AbortController() };
  deps.inflight.calls.add(tracked);
  res.once('close', () => deps.inflight.calls.delete(tracked));
  deps.meter.mark(shardId);
  const refused = await deps.pressure.admit(shardId);
  if (refused) {
    deps.inflight.calls.delete(tracked);
    return throttle(req, res, deps.metrics, refused);
  }
  deps.metrics.calls.inc({ mesh_outcome: 'served' });
  return undefined;
}

async function serve(
  deps: RouterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  procedure: ShardProcedure,
  shardId: string,
  body: Record<string, unknown>,
): Promise<ShardRouteResult | 'reroute'> {
  const abort = new AbortController();
  const caller = header(req, 'rpc-caller');
  const call: ShardCall = { shardId, body, ticket: { signal: abort.signal, applied: 0 }, ...(caller ? { caller } : {}) };
  const tracked: InFlightCall = { shardId, req, res, procedure, call, abort };
  deps.inflight.calls.add(tracked);
  try {
    deps.meter.mark(shardId);
    const refused = await deps.pressure.admit(shardId);
    if (refused) return throttle(req, res, deps.metrics, refused);
    if (abort.signal.aborted) return 'served';
    const deadline = header(req, 'rpc-deadline');
    if (deadline && Date.parse(deadline) <= clock.now()) {
      return refuse(req, res, deps.metrics, new ShardError('DeadlineExceeded', `deadline ${deadline} has passed`, true));
    }
    const result = await procedure.run(call);
    deps.metrics.calls.inc({ mesh_outcome: 'served' });
    if (!abort.signal.aborted && !res.headersSent && !res.destroyed) writeJsonSuccess(req, res, result);
    return 'served';
  } catch (error) {
    if (error instanceof AbandonedError || abort.signal.aborted) return 'served';
    // Nothing was done and the shard moved meanwhile (e.g. a handover took it): route the call again.
    if (error instanceof NotServingError && call.ticket.applied === 0) return 'reroute';
    deps.metrics.calls.inc({ mesh_outcome: 'served' });
    if (!(error instanceof RpcError)) deps.log.error('shard procedure failed', { procedure: procedure.name, shardId, error: errorMessage(error) });
    writeShardError(req, res, error);
    return 'refused';
  } finally {
    deps.inflight.calls.delete(tracked);
  }
}

/** Relays the call to `target` and its answer back (X-Mesh-Node from the server, X-Mesh-Received-By ours). */
function relay(
  deps: RouterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  body: Buffer | undefined,
  forwardedBy: string | undefined,
  handoverHop: boolean,
  timeoutMs: number,
): Promise<ShardRouteResult> {
  deps.metrics.calls.inc({ mesh_outcome: 'forwarded' });
  const endpoint = httpEndpointOf(target, deps.table, deps.httpPort);
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, [FORWARDED_BY_HEADER]: forwardedBy ?? deps.nodeId };
    delete headers.host;
    delete headers.connection;
    if (handoverHop) headers[HANDOVER_HOP_HEADER] = deps.nodeId;
    if (body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = body.length;
    }
    const upstream = http.request({ host: endpoint.host, port: endpoint.port, method: req.method, path: req.url, headers });
    const timer = setTimeout(() => upstream.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    upstream.on('response', (answer) => relayAnswer(answer, res, () => clearTimeout(timer)));
    upstream.on('error', (error) => {
      clearTimeout(timer);
      deps.log.warn('shard call forward failed', { target, endpoint: formatHostPort(endpoint), error: errorMessage(error) });
      if (res.headersSent) res.destroy();
      else {
        // Only a refused connection proves the owner never saw the call.
        const code = (error as NodeJS.ErrnoException).code;
        const notApplied = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
        writeShardError(
          req,
          res,
          new ShardError('Unavailable', `shard owner ${target} unreachable at ${formatHostPort(endpoint)}: ${errorMessage(error)}`, notApplied),
        );
      }
      resolve('forwarded');
    });
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) upstream.destroy();
      resolve('forwarded');
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  });
}

function timeoutFor(deps: RouterDeps, procedure: string, body: Record<string, unknown>): number {
  // Room for the owner's budget queue, a handover hold and replication, plus the call's own length.
  const base = deps.forwardTimeoutMs + MAX_QUEUE_MS + deps.handoverTimeoutMs + 2 * deps.replicationTimeoutMs;
  if (procedure === SLOW_CALL) return base + (typeof body.ms === 'number' ? body.ms : 0);
  if (procedure === PINGPONG) return base * 2 * (typeof body.rounds === 'number' ? Math.min(50, Math.max(1, body.rounds)) : 1);
  return base;
}

/** 429 ResourceExhausted, not applied, with Retry-After and X-Mesh-Throttled (budget refusal here, or ingress shedding). */
function throttle(req: IncomingMessage, res: ServerResponse, metrics: ShardMetrics, refused: Throttle): 'refused' {
  metrics.calls.inc({ mesh_outcome: 'throttled' });
  req.resume();
  writeThrottled(req, res, refused);
  return 'refused';
}

function refuse(req: IncomingMessage, res: ServerResponse, metrics: ShardMetrics | undefined, error: unknown): 'refused' {
  metrics?.calls.inc({ mesh_outcome: 'refused' });
  req.resume();
  writeShardError(req, res, error);
  return 'refused';
}

export function writeShardError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (error instanceof ShardError && error.notApplied) res.setHeader(MESH_OUTCOME_HEADER, 'not-applied');
  if (error instanceof RpcError) writeError(req, res, error.status, error.message);
  else writeError(req, res, 'Internal', errorMessage(error));
}

export function writeJsonSuccess(req: IncomingMessage, res: ServerResponse, result: unknown): void {
  const payload = Buffer.from(JSON.stringify(result));
  res.statusCode = 200;
  res.setHeader('Rpc-Transport', 'http');
  res.setHeader('Rpc-Protocol', `HTTP/${req.httpVersion}`);
  res.setHeader('Rpc-Encoding', 'json');
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}

function readRequest(req: IncomingMessage): Promise<Buffer> {
  return readBody(req, MAX_BODY_BYTES, (max) => new ShardError('ResourceExhausted', `request body exceeds ${max} bytes`, true));
}
