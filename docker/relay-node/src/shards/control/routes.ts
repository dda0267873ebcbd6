// Shard control routes (contract §4, shapes as the real host's ShardDiagnosticsEndpoints) plus the
// rebalance extension (feature:mesh-rebalance) and the upgrade/drain routes:
//   GET  /control/shards            list from this node's cached map (mesh.read or mesh.operate)
//   GET  /control/shards/diff       from the etcd history (mesh.operate)
//   GET  /control/shards/watch      SSE of map changes this node observes (mesh.read or mesh.operate)
//   POST /control/shards/simulate   what a strategy would do with given nodes (mesh.operate)
//   POST /control/shards/rebalance  operator move, forwarded to the global leader (mesh.operate)
//   GET  /control/upgrade, POST /control/upgrade/drain, POST /control/upgrade/resume (no scope)
// Errors are application/problem+json {type, title, status, detail, code, metadata}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MembershipTable } from '../../gossip/membership';
import { writeJson } from '../../http/respond';
import { problem } from '../../http/problem';
import { MESH_OPERATE, MESH_READ, type Method, type Route } from '../../http/routes';
import { errorMessage, type Logger } from '../../log';
import { formatHostPort, httpEndpointOf } from '../../rpc/http-endpoints';
import { SHARD_STATUS, type ShardMap, type ShardMapView, type ShardRecord, type ShardStatus } from '../types';
import { DrainConflictError, type UpgradeSnapshot } from './drain';
import type { RebalanceResult } from './leader';
import type { HistoryChange, HistoryEntry, MapStoreLike } from './map-store';
import { simulate, type SimulationNode } from './planner';
import { ControlProblem } from './problem';
import { parseJsonObject, readBody } from '../../http/body';
import { clock } from '../../clock';

export const SHARDS_VERSION_HEADER = 'x-omnirelay-shards-version';
const FORWARDED_BY = 'x-mesh-forwarded-by';
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;
const HEARTBEAT_MS = 5000;
const MAX_BODY_BYTES = 1024 * 1024;
/** The largest version the 12-digit history keys hold. */
const MAX_VERSION = 999_999_999_999;

export interface ShardRoutesDeps {
  nodeId: string;
  namespace: string;
  shardIds: readonly string[];
  replicas: number;
  httpPort: number;
  /** Extra time a forwarded rebalance may take beyond the handover timeout. */
  forwardTimeoutMs: number;
  handoverTimeoutMs: number;
  view: ShardMapView & { subscribe(listener: (map: ShardMap, previous: ShardMap | undefined) => void): () => void };
  /** Undefined when etcd is not configured (diff answers 503). */
  store: Pick<MapStoreLike, 'history'> | undefined;
  leader: { rebalance(shardId: string, to?: string): Promise<RebalanceResult> } | undefined;
  isLeader: () => boolean;
  leaderId: () => string | undefined;
  table: MembershipTable;
  drain: { snapshot(): UpgradeSnapshot; drain(reason?: string): Promise<UpgradeSnapshot>; resume(): Promise<UpgradeSnapshot> };
  log: Logger;
}

export function shardControlRoutes(deps: ShardRoutesDeps): Route[] {
  const route = (method: Method, path: string, scopes: readonly string[] | undefined, work: Route['handle']): Route => ({
    method,
    path,
    ...(scopes ? { scopes } : {}),
    handle: (req, res, url) => handled(req, res, () => work(req, res, url)),
  });
  return [
    route('GET', '/control/shards', MESH_READ, (_req, res, url) => list(res, url, deps)),
    route('GET', '/control/shards/diff', MESH_OPERATE, (_req, res, url) => diff(res, url, deps)),
    route('GET', '/control/shards/watch', MESH_READ, (req, res, url) => watch(req, res, url, deps)),
    route('POST', '/control/shards/simulate', MESH_OPERATE, (req, res) => simulateRoute(req, res, deps)),
    route('POST', '/control/shards/rebalance', MESH_OPERATE, (req, res) => rebalance(req, res, deps)),
    route('GET', '/control/upgrade', undefined, (_req, res) => writeJson(res, 200, deps.drain.snapshot())),
    route('POST', '/control/upgrade/drain', undefined, async (req, res) => {
      const body = await readJson(req, true);
      const reason = typeof body.reason === 'string' ? body.reason : undefined;
      try {
        writeJson(res, 202, await deps.drain.drain(reason));
      } catch (error) {
        if (!(error instanceof DrainConflictError)) throw error;
        problem(res, 409, 'upgrade.drain.in_progress', error.message, { state: String(deps.drain.snapshot().state) });
      }
    }),
    route('POST', '/control/upgrade/resume', undefined, async (req, res) => {
      req.resume();
      writeJson(res, 200, await deps.drain.resume());
    }),
  ];
}

// ---- errors, bodies ----------------------------------------------------------------------------

class BadRequest extends ControlProblem {
  constructor(code: string, message: string, metadata: Record<string, string> = {}) {
    super(400, code, message, metadata);
  }
}

async function handled(req: IncomingMessage, res: ServerResponse, work: () => Promise<void> | void): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ControlProblem) problem(res, error.status, error.code, error.message, error.metadata);
    else problem(res, 500, 'shards.control.internal', errorMessage(error));
    req.resume();
  }
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return readBody(req, MAX_BODY_BYTES, (max) => new BadRequest('shards.control.body.too_large', `request body exceeds ${max} bytes`));
}

async function readJson(req: IncomingMessage, emptyIsObject = false, raw?: Buffer): Promise<Record<string, unknown>> {
  const text = (raw ?? (await readRaw(req))).toString('utf8').trim();
  if (text === '' && emptyIsObject) return {};
  return parseJsonObject(text, () => new BadRequest('shards.control.body.invalid', 'request body must be a JSON object'));
}

function longParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new BadRequest('shards.control.query.invalid', `Invalid ${name} value.`, { [name]: raw });
  return Number(raw);
}

// ---- filters (namespace, owner, status, search) ------------------------------------------------

type Filter = (record: ShardRecord) => boolean;

function parseStatus(raw: string): ShardStatus {
  if (/^\d+$/.test(raw)) {
    const value = Number(raw);
    if ((Object.values(SHARD_STATUS) as number[]).includes(value)) return value as ShardStatus;
  }
  const named = Object.entries(SHARD_STATUS).find(([name]) => name.toLowerCase() === raw.toLowerCase());
  if (named) return named[1];
  throw new BadRequest('shards.control.status.invalid', `Invalid status '${raw}'.`, { status: raw });
}

function filterOf(url: URL): Filter {
  const namespace = url.searchParams.get('namespace') || undefined;
  const owner = url.searchParams.get('owner') || undefined;
  const search = url.searchParams.get('search')?.toLowerCase() || undefined;
  const statuses = url.searchParams
    .getAll('status')
    .flatMap((v) => v.split(/[ ,;]+/))
    .filter((v) => v.trim() !== '')
    .map((v) => parseStatus(v.trim()));
  return (r) =>
    (namespace === undefined || r.namespace.toLowerCase() === namespace.toLowerCase()) &&
    (owner === undefined || r.ownerNodeId === owner) &&
    (search === undefined || r.shardId.toLowerCase().includes(search)) &&
    (statuses.length === 0 || statuses.includes(r.status));
}

// ---- list --------------------------------------------------------------------------------------

const encodeCursor = (shardId: string): string => Buffer.from(shardId, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const shardId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (shardId === '' || encodeCursor(shardId) !== cursor) throw new BadRequest('shards.control.cursor.invalid', 'Invalid cursor token.', { cursor });
  return shardId;
}

function list(res: ServerResponse, url: URL, deps: ShardRoutesDeps): void {
  const filter = filterOf(url);
  const pageSize = longParam(url, 'pageSize') ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new BadRequest('shards.control.page_size.invalid', `pageSize must be between 1 and ${MAX_PAGE_SIZE}.`, { pageSize: String(pageSize) });
  }
  const cursorRaw = url.searchParams.get('cursor');
  const after = cursorRaw ? decodeCursor(cursorRaw) : undefined;
  const map = deps.view.current();
  const version = map?.version ?? 0;
  // Ordinal shard-id order, so a cursor (the last id served) stays valid across versions.
  const matching = (map?.records ?? [])
    .filter(filter)
    .filter((r) => after === undefined || r.shardId > after)
    .sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
  const items = matching.slice(0, pageSize);
  const last = items[items.length - 1];
  const nextCursor = matching.length > pageSize && last ? encodeCursor(last.shardId) : undefined;
  writeJson(res, 200, { items, ...(nextCursor ? { nextCursor } : {}), version }, { etag: `W/"shards-${version}"`, [SHARDS_VERSION_HEADER]: String(version) });
}

// ---- diff and watch ----------------------------------------------------------------------------

export interface DiffItem {
  position: number;
  current: ShardRecord;
  previous?: ShardRecord;
  /** The real host's ShardHistoryRecord for this change. */
  history: {
    namespace: string;
    shardId: string;
    version: number;
    strategyId: string;
    actor: string;
    reason: string;
    changeTicket?: string;
    createdAt: string;
    ownerNodeId: string;
    previousOwnerNodeId?: string;
  };
}

/** `bootstrap`, `membership`, `rebalance-7` → `rebalance`, `drain:east-2` → `drain`. */
const reasonOf = (ticket: string | undefined): string => (ticket ?? 'membership').split(/[-:]/)[0] ?? 'membership';

export function diffItems(entry: HistoryEntry, filter: Filter = () => true): DiffItem[] {
  return entry.changes
    .filter((c) => filter(c.current))
    .map(({ current, previous }: HistoryChange) => ({
      position: entry.version,
      current,
      ...(previous ? { previous } : {}),
      history: {
        namespace: current.namespace,
        shardId: current.shardId,
        version: entry.version,
        strategyId: current.strategyId,
        actor: entry.publishedBy,
        reason: reasonOf(current.changeTicket),
        ...(current.changeTicket ? { changeTicket: current.changeTicket } : {}),
        createdAt: entry.publishedAt,
        ownerNodeId: current.ownerNodeId,
        ...(previous && previous.ownerNodeId !== current.ownerNodeId ? { previousOwnerNodeId: previous.ownerNodeId } : {}),
      },
    }));
}

async function diff(res: ServerResponse, url: URL, deps: ShardRoutesDeps): Promise<void> {
  const filter = filterOf(url);
  const from = longParam(url, 'fromVersion') ?? 1;
  const to = longParam(url, 'toVersion') ?? Number.MAX_SAFE_INTEGER;
  if (!deps.store) {
    problem(res, 503, 'shards.control.repository.failure', 'the shard map store is not configured (no RELAY_ETCD_ENDPOINTS)');
    return;
  }
  let entries: HistoryEntry[];
  try {
    entries = await deps.store.history(from, Math.min(to, MAX_VERSION));
  } catch (error) {
    problem(res, 503, 'shards.control.repository.failure', `shard history unavailable: ${errorMessage(error)}`, { stage: 'shards.diff' });
    return;
  }
  const items = entries.flatMap((e) => diffItems(e, filter));
  const last = items[items.length - 1];
  writeJson(res, 200, { items, ...(last ? { lastPosition: last.position } : {}) });
}

/** What changed between two maps this node saw, when the history cannot be read. */
function localEntry(map: ShardMap, previous: ShardMap | undefined): HistoryEntry {
  const before = new Map((previous?.records ?? []).map((r) => [r.shardId, r]));
  const since = previous?.version ?? 0;
  return {
    namespace: map.namespace,
    version: map.version,
    strategyId: map.strategyId,
    publishedBy: map.publishedBy,
    publishedAt: map.publishedAt,
    changes: map.records
      .filter((r) => r.version > since)
      .map((current) => {
        const old = before.get(current.shardId);
        return old ? { current, previous: old } : { current };
      }),
  };
}

function watch(req: IncomingMessage, res: ServerResponse, url: URL, deps: ShardRoutesDeps): void {
  const filter = filterOf(url);
  const lastEventId = req.headers['last-event-id'];
  const headerToken = typeof lastEventId === 'string' && /^\d+$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
  const resume = longParam(url, 'resumeToken') ?? headerToken;
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  let sent = resume ?? deps.view.current()?.version ?? 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const emitUpTo = async (version: number, local?: HistoryEntry): Promise<void> => {
    if (closed || version <= sent) return;
    let entries: HistoryEntry[] | undefined;
    try {
      entries = await deps.store?.history(sent + 1, version);
    } catch (error) {
      deps.log.debug('shard watch: history unavailable, sending the local diff', { error: errorMessage(error) });
    }
    if (!entries || entries.length === 0) entries = local ? [local] : [];
    for (const entry of entries) {
      for (const item of diffItems(entry, filter)) {
        if (closed) return;
        res.write(`id: ${item.position}\nevent: shard.diff\ndata: ${JSON.stringify(item)}\n\n`);
      }
    }
    sent = Math.max(sent, version);
  };
  const enqueue = (version: number, local?: HistoryEntry): void => {
    chain = chain.then(() => emitUpTo(version, local)).catch(() => undefined);
  };

  if (resume !== undefined) enqueue(deps.view.current()?.version ?? 0);
  const unsubscribe = deps.view.subscribe((map, previous) => enqueue(map.version, localEntry(map, previous)));
  const heartbeat = setInterval(() => res.write(`: heartbeat ${clock.iso()}\n\n`), HEARTBEAT_MS);
  const cleanup = (): void => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  };
  // Only the response's close means the client went away: a request's close fires once its (empty) body is read.
  res.on('close', cleanup);
}

// ---- simulate ----------------------------------------------------------------------------------

async function simulateRoute(req: IncomingMessage, res: ServerResponse, deps: ShardRoutesDeps): Promise<void> {
  const body = await readJson(req);
  const namespace = typeof body.namespace === 'string' ? body.namespace.trim() : '';
  if (namespace === '') throw new BadRequest('shards.control.namespace.required', 'Namespace must be provided.');
  const strategyId = typeof body.strategyId === 'string' && body.strategyId.trim() !== '' ? body.strategyId.trim() : 'rendezvous';
  if (body.nodes !== undefined && body.nodes !== null && !Array.isArray(body.nodes))
    throw new BadRequest('shards.control.nodes.required', '`nodes` must be an array.');
  const nodes = (Array.isArray(body.nodes) ? body.nodes : []) as SimulationNode[];
  const result = simulate(namespace, strategyId, nodes, deps.view.current(), {
    shardIds: deps.shardIds,
    knownNamespace: deps.namespace,
    replicas: deps.replicas,
  });
  writeJson(res, 200, result);
}

// ---- rebalance (feature:mesh-rebalance) --------------------------------------------------------

async function rebalance(req: IncomingMessage, res: ServerResponse, deps: ShardRoutesDeps): Promise<void> {
  const raw = await readRaw(req);
  const body = await readJson(req, false, raw);
  const shardId = typeof body.shardId === 'string' ? body.shardId.trim() : '';
  if (shardId === '') throw new BadRequest('shards.control.shard_id.required', '`shardId` must be provided.');
  if (body.to !== undefined && body.to !== null && typeof body.to !== 'string') throw new BadRequest('shards.control.body.invalid', '`to` must be a node id.');
  const to = typeof body.to === 'string' && body.to.trim() !== '' ? body.to.trim() : undefined;
  if (typeof body.namespace === 'string' && body.namespace !== '' && body.namespace !== deps.namespace) {
    problem(res, 404, 'shards.control.namespace.missing', `Namespace '${body.namespace}' does not contain shard records.`, { namespace: body.namespace });
    return;
  }
  if (deps.isLeader() && deps.leader) {
    writeJson(res, 200, await deps.leader.rebalance(shardId, to));
    return;
  }
  const leaderId = deps.leaderId();
  if (req.headers[FORWARDED_BY] !== undefined || leaderId === undefined || leaderId === deps.nodeId) {
    problem(
      res,
      503,
      'shards.control.not_leader',
      leaderId === undefined ? `no global-control leader known to ${deps.nodeId}` : `${deps.nodeId} is not the global-control leader`,
      { nodeId: deps.nodeId },
    );
    return;
  }
  const target = httpEndpointOf(leaderId, deps.table, deps.httpPort);
  try {
    const answer = await fetch(`http://${formatHostPort(target)}/control/shards/rebalance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mesh-scope': String(req.headers['x-mesh-scope'] ?? 'mesh.operate'), [FORWARDED_BY]: deps.nodeId },
      body: raw,
      signal: AbortSignal.timeout(deps.handoverTimeoutMs + deps.forwardTimeoutMs),
    });
    const text = await answer.text();
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-mesh-node': leaderId,
    });
    res.end(text);
  } catch (error) {
    problem(res, 503, 'shards.control.leader.unreachable', `global leader ${leaderId} unreachable at ${formatHostPort(target)}: ${errorMessage(error)}`, {
      leaderId,
    });
  }
}
