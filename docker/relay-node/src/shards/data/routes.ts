// Plain-HTTP routes of the shard data plane: node-to-node (/mesh/shards/*: replication entries,
// snapshots, handover installs, handover requests from the leader) and the read-only control views
// (/control/shards/load, /control/shards/state), which need `x-mesh-scope` with mesh.read (or mesh.operate).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problem } from '../../http/problem';
import { writeJson } from '../../http/respond';
import { MESH_OPERATE, MESH_READ, type Route } from '../../http/routes';
import type { HandoverRequest, ShardLoadReport } from '../types';
import { HANDOVER_PATH, type Handover } from './handover';
import { INSTALL_PATH, type InstallRequest, type PeerReply, REPLICATE_PATH, type Replication, type ReplicationEntry, SNAPSHOT_PATH } from './replication';
import { isShardData, isShardOp } from './store';
import { parseJsonObject, readBody } from '../../http/body';

export const LOAD_PATH = '/control/shards/load';
export const STATE_PATH = '/control/shards/state';
export const EVICT_PATH = '/control/shards/evict';
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface RoutesDeps {
  nodeId: string;
  namespace: string;
  ids: readonly string[];
  replication: Replication;
  handover: Handover;
  load: () => ShardLoadReport;
}

export function shardDataRoutes(deps: RoutesDeps): Route[] {
  const { replication, nodeId } = deps;
  const knownShard = (id: unknown): id is string => typeof id === 'string' && deps.ids.includes(id);
  /** The POST routes share one body reader and the shard check. */
  const posted =
    <T>(serve: (body: Partial<T>) => Promise<PeerReply> | PeerReply): Route['handle'] =>
    async (req, res) => {
      let body: Record<string, unknown>;
      try {
        body = await readJsonObject(req);
      } catch (error) {
        return json(res, { status: 400, body: { message: (error as Error).message } });
      }
      const shardId = body.shardId;
      if (!knownShard(shardId)) return json(res, { status: 400, body: { message: `unknown shard ${String(shardId)}` } });
      return json(res, await serve(body as Partial<T>));
    };

  return [
    {
      method: 'GET',
      path: SNAPSHOT_PATH,
      handle: (_req, res, url) => {
        const shardId = url.searchParams.get('shardId');
        if (!knownShard(shardId)) return json(res, { status: 404, body: { message: `unknown shard ${String(shardId)}` } });
        return json(res, { status: 200, body: { ...replication.snapshot(shardId) } });
      },
    },
    { method: 'GET', path: LOAD_PATH, scopes: MESH_READ, handle: (_req, res) => json(res, { status: 200, body: { ...deps.load() } }) },
    {
      method: 'GET',
      path: STATE_PATH,
      scopes: MESH_READ,
      handle: (_req, res, url) => {
        const shardId = url.searchParams.get('shardId');
        if (!knownShard(shardId)) return problem(res, 404, 'shards.control.shard.missing', `unknown shard ${String(shardId)}`, { shardId: String(shardId) });
        const slot = replication.sync(shardId);
        const body = {
          nodeId,
          shardId,
          role: replication.role(shardId),
          fenceToken: slot.fence,
          knownFence: slot.knownFence,
          index: slot.index,
          digest: slot.store.digest(),
          data: slot.store.snapshot(),
        };
        return json(res, { status: 200, body });
      },
    },
    {
      // Extension: every key-value entity of the shard on this node leaves memory now (tests of reload).
      method: 'POST',
      path: EVICT_PATH,
      scopes: MESH_OPERATE,
      handle: posted<{ shardId: string }>(({ shardId }) =>
        replication.lock.run(shardId!, () => {
          const store = replication.slot(shardId!).store;
          const evicted = store.evict();
          return { status: 200, body: { nodeId, shardId, evicted, resident: store.residentCount } };
        }),
      ),
    },
    {
      method: 'POST',
      path: REPLICATE_PATH,
      handle: posted<ReplicationEntry>((entry) => {
        if (entry.namespace !== deps.namespace) return { status: 400, body: { message: `unknown namespace ${String(entry.namespace)}` } };
        if (!isCount(entry.fenceToken) || !isCount(entry.index) || typeof entry.from !== 'string' || (entry.op !== undefined && !isShardOp(entry.op))) {
          return { status: 400, body: { message: 'expected {namespace, shardId, fenceToken, index, op?, from}' } };
        }
        return replication.applyEntry(entry as ReplicationEntry);
      }),
    },
    {
      method: 'POST',
      path: INSTALL_PATH,
      handle: posted<InstallRequest>((install) => {
        if (!isCount(install.fenceToken) || !isCount(install.index) || typeof install.from !== 'string' || !isShardData(install.state)) {
          return { status: 400, body: { message: 'expected {shardId, fenceToken, index, state, from}' } };
        }
        return replication.install(install as InstallRequest);
      }),
    },
    {
      method: 'POST',
      path: HANDOVER_PATH,
      handle: posted<HandoverRequest>((request) => {
        if (typeof request.namespace !== 'string' || typeof request.to !== 'string' || !isCount(request.fenceToken)) {
          return { status: 400, body: { message: 'expected {namespace, shardId, to, fenceToken, ticket}' } };
        }
        return deps.handover.handle({ ticket: '', ...request } as HandoverRequest);
      }),
    },
  ];
}

function json(res: ServerResponse, reply: PeerReply): void {
  writeJson(res, reply.status, reply.body);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_BODY_BYTES, (max) => new Error(`body exceeds ${max} bytes`));
  return parseJsonObject(body.toString('utf8'), (problem) => new Error(`body is ${problem}`));
}
