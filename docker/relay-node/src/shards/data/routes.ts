// Plain-HTTP routes of the shard data plane: node-to-node (/mesh/shards/*: replication entries,
// snapshots, handover installs, handover requests from the leader) and the read-only control views
// (/control/shards/load, /control/shards/state), which need `x-mesh-scope` with mesh.read (or mesh.operate).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../../http/server';
import { writeJson } from '../../http/respond';
import type { HandoverRequest, ShardLoadReport } from '../types';
import { HANDOVER_PATH, type Handover } from './handover';
import { INSTALL_PATH, type InstallRequest, type PeerReply, REPLICATE_PATH, type Replication, type ReplicationEntry, SNAPSHOT_PATH } from './replication';
import { isShardData, isShardOp } from './store';
import { readBody } from '../../http/body';

export const LOAD_PATH = '/control/shards/load';
export const STATE_PATH = '/control/shards/state';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Read views accept mesh.read, or mesh.operate (which includes it), like GET /control/shards. */
const READ_SCOPES = ['mesh.read', 'mesh.operate'] as const;

export interface RoutesDeps {
  nodeId: string;
  namespace: string;
  ids: readonly string[];
  replication: Replication;
  handover: Handover;
  load: () => ShardLoadReport;
}

export function createShardRoutes(deps: RoutesDeps): RouteHandler {
  const { replication, nodeId } = deps;
  const knownShard = (id: unknown): id is string => typeof id === 'string' && deps.ids.includes(id);

  return async (req, res, url) => {
    const path = url.pathname;
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === SNAPSHOT_PATH) {
      const shardId = url.searchParams.get('shardId');
      if (!knownShard(shardId)) return json(res, { status: 404, body: { message: `unknown shard ${String(shardId)}` } });
      return json(res, { status: 200, body: { ...replication.snapshot(shardId) } });
    }
    if (get && (path === LOAD_PATH || path === STATE_PATH)) {
      if (!hasScope(req, READ_SCOPES)) return forbidden(res);
      if (path === LOAD_PATH) return json(res, { status: 200, body: { ...deps.load() } });
      const shardId = url.searchParams.get('shardId');
      if (!knownShard(shardId)) return problem(res, 404, 'shards.control.shard.missing', `unknown shard ${String(shardId)}`, { shardId: String(shardId) });
      const slot = replication.sync(shardId);
      return json(res, {
        status: 200,
        body: {
          nodeId,
          shardId,
          role: replication.role(shardId),
          fenceToken: slot.fence,
          index: slot.index,
          digest: slot.store.digest(),
          data: slot.store.snapshot(),
        },
      });
    }
    if (req.method !== 'POST' || (path !== REPLICATE_PATH && path !== INSTALL_PATH && path !== HANDOVER_PATH)) return false;

    let body: Record<string, unknown>;
    try {
      body = await readJsonObject(req);
    } catch (error) {
      return json(res, { status: 400, body: { message: (error as Error).message } });
    }
    if (!knownShard(body.shardId)) return json(res, { status: 400, body: { message: `unknown shard ${String(body.shardId)}` } });
    if (path === REPLICATE_PATH) {
      const entry = body as Partial<ReplicationEntry>;
      if (entry.namespace !== deps.namespace) return json(res, { status: 400, body: { message: `unknown namespace ${String(entry.namespace)}` } });
      if (!isCount(entry.fenceToken) || !isCount(entry.index) || typeof entry.from !== 'string' || (entry.op !== undefined && !isShardOp(entry.op))) {
        return json(res, { status: 400, body: { message: 'expected {namespace, shardId, fenceToken, index, op?, from}' } });
      }
      return json(res, await replication.applyEntry(entry as ReplicationEntry));
    }
    if (path === INSTALL_PATH) {
      const install = body as Partial<InstallRequest>;
      if (!isCount(install.fenceToken) || !isCount(install.index) || typeof install.from !== 'string' || !isShardData(install.state)) {
        return json(res, { status: 400, body: { message: 'expected {shardId, fenceToken, index, state, from}' } });
      }
      return json(res, await replication.install(install as InstallRequest));
    }
    const request = body as Partial<HandoverRequest>;
    if (typeof request.namespace !== 'string' || typeof request.to !== 'string' || !isCount(request.fenceToken)) {
      return json(res, { status: 400, body: { message: 'expected {namespace, shardId, to, fenceToken, ticket}' } });
    }
    return json(res, await deps.handover.handle({ ticket: '', ...request } as HandoverRequest));
  };
}

/** `x-mesh-scope` lists scopes separated by spaces, commas or semicolons (case-insensitive), as the control routes read it. */
export function hasScope(req: IncomingMessage, accepted: readonly string[]): boolean {
  const raw = req.headers['x-mesh-scope'];
  const tokens = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(/[\s,;]+/).map((t) => t.toLowerCase());
  return accepted.some((scope) => tokens.includes(scope));
}

function forbidden(res: ServerResponse): true {
  return problem(res, 403, 'shards.control.scope.missing', `header x-mesh-scope must contain ${READ_SCOPES.join(' or ')}`, { required: READ_SCOPES.join(' ') });
}

function problem(res: ServerResponse, status: number, code: string, detail: string, metadata: Record<string, string> = {}): true {
  const payload = JSON.stringify({ type: 'about:blank', title: status === 403 ? 'Forbidden' : 'Not Found', status, detail, code, metadata });
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
  return true;
}

function json(res: ServerResponse, reply: PeerReply): true {
  writeJson(res, reply.status, reply.body);
  return true;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_BODY_BYTES, (max) => new Error(`body exceeds ${max} bytes`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body is not a JSON object');
  return parsed as Record<string, unknown>;
}
