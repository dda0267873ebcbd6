// A client for one host's public endpoints (data plane, control routes, RPC over HTTP), reached only
// through its port published on 127.0.0.1.
import axios, { type AxiosInstance } from 'axios';
import {
  EXT,
  MESH_SCOPE_HEADER,
  type Eviction,
  type Introspection,
  type LeadersView,
  type PeersView,
  type PressureView,
  type Promotion,
  type Readiness,
  type Rebalance,
  type RpcResponse,
  type ShardCopy,
  type ShardLoad,
  type ShardRecord,
  type ShardsView,
  type SingletonView,
  type UpgradeView,
} from './contract';

const READ = { [MESH_SCOPE_HEADER]: 'mesh.read' };
const OPERATE = { [MESH_SCOPE_HEADER]: 'mesh.read mesh.operate' };

export class NodeClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    timeoutMs = 2_000,
  ) {
    // Every status is an answer to inspect, not an exception: checks judge the status themselves.
    this.http = axios.create({ baseURL: baseUrl, timeout: timeoutMs, validateStatus: () => true });
  }

  async readiness(): Promise<{ status: number; body: Readiness }> {
    const res = await this.http.get<Readiness>('/readyz');
    return { status: res.status, body: res.data };
  }

  introspect(): Promise<Introspection> {
    return this.json<Introspection>('/omnirelay/introspect');
  }

  peers(): Promise<PeersView> {
    return this.json<PeersView>('/control/peers');
  }

  leaders(scope?: string): Promise<LeadersView> {
    return this.json<LeadersView>('/control/leaders', scope ? { scope } : undefined);
  }

  /** Extension (`feature:mesh-promotion`): asks this node to take `scope` over (release, else revoke). */
  async promote(scope: string): Promise<{ status: number; body: Promotion }> {
    const res = await this.http.post<Promotion>('/control/leaders/promote', { scope }, { timeout: 10_000 });
    return { status: res.status, body: res.data };
  }

  /** This node's view of the shard map: every page of `GET /control/shards`, and the version it names. */
  async shards(namespace?: string): Promise<ShardsView> {
    const items: ShardRecord[] = [];
    let cursor: string | undefined;
    let version: number;
    for (let page = 0; page < 100; page++) {
      const params: Record<string, string> = { pageSize: '500', ...(namespace ? { namespace } : {}), ...(cursor ? { cursor } : {}) };
      const res = await this.http.get<{ items: ShardRecord[]; nextCursor?: string | null; version: number }>('/control/shards', { params, headers: READ });
      if (res.status !== 200) throw new Error(`GET ${this.baseUrl}/control/shards answered HTTP ${res.status}: ${JSON.stringify(res.data).slice(0, 300)}`);
      items.push(...res.data.items);
      version = Number(res.headers['x-omnirelay-shards-version'] ?? res.data.version);
      cursor = res.data.nextCursor ?? undefined;
      if (!cursor) return { version, items };
    }
    throw new Error(`GET ${this.baseUrl}/control/shards: more than 100 pages`);
  }

  /** Extension: `GET /control/shards/load`. */
  shardLoad(): Promise<ShardLoad> {
    return this.json<ShardLoad>('/control/shards/load', undefined, READ);
  }

  /** Extension (`feature:mesh-backpressure`): `GET /control/pressure`. */
  pressure(): Promise<PressureView> {
    return this.json<PressureView>('/control/pressure', undefined, READ);
  }

  /** Extension: this node's copy of `shardId` (role, fence, applied index, digest, data). */
  shardCopy(shardId: string): Promise<ShardCopy> {
    return this.json<ShardCopy>('/control/shards/state', { shardId }, READ);
  }

  /** Extension (`feature:mesh-singleton`): whether this node runs the singleton task now. */
  singleton(): Promise<SingletonView> {
    return this.json<SingletonView>('/control/singleton', undefined, READ);
  }

  /** Contract §4: `GET /control/shards/diff`. */
  shardDiff(fromVersion: number, toVersion?: number): Promise<unknown> {
    return this.json(
      '/control/shards/diff',
      { fromVersion: String(fromVersion), ...(toVersion !== undefined ? { toVersion: String(toVersion) } : {}) },
      OPERATE,
    );
  }

  /** Extension (`feature:mesh-rebalance`): moves `shardId` (to `to`, else its coolest replica). */
  async rebalance(shardId: string, to?: string): Promise<{ status: number; body: Rebalance }> {
    const res = await this.http.post<Rebalance>('/control/shards/rebalance', { shardId, ...(to ? { to } : {}) }, { headers: OPERATE, timeout: 15_000 });
    return { status: res.status, body: res.data };
  }

  /** Extension (`feature:mesh-entity-traits`): every key-value entity of `shardId` on this node leaves memory. */
  async evict(shardId: string): Promise<{ status: number; body: Eviction }> {
    const res = await this.http.post<Eviction>('/control/shards/evict', { shardId }, { headers: OPERATE });
    return { status: res.status, body: res.data };
  }

  /** Contract §4: `POST /control/upgrade/drain`. */
  async drain(reason: string): Promise<{ status: number; body: UpgradeView }> {
    const res = await this.http.post<UpgradeView>('/control/upgrade/drain', { reason });
    return { status: res.status, body: res.data };
  }

  /** Contract §4: `POST /control/upgrade/resume`. */
  async resume(): Promise<{ status: number; body: UpgradeView }> {
    const res = await this.http.post<UpgradeView>('/control/upgrade/resume', {});
    return { status: res.status, body: res.data };
  }

  upgrade(): Promise<UpgradeView> {
    return this.json<UpgradeView>('/control/upgrade');
  }

  /** Contract §7: an in-process chaos hook, `POST /omnirelay/control/chaos/<name>:start|stop`, with the hook's parameters as the body. */
  async chaos(
    name: string,
    action: 'start' | 'stop',
    params: Record<string, unknown> = {},
  ): Promise<{ status: number; body: { acted?: boolean; message?: string } & Record<string, unknown> }> {
    const res = await this.http.post<{ acted?: boolean; message?: string }>(`/omnirelay/control/chaos/${encodeURIComponent(name)}:${action}`, params);
    return { status: res.status, body: res.data };
  }

  /** Prometheus text from `/omnirelay/metrics`. */
  async metrics(): Promise<string> {
    const res = await this.http.get<string>('/omnirelay/metrics', { responseType: 'text', transformResponse: (raw) => raw });
    if (res.status !== 200) throw new Error(`GET ${this.baseUrl}/omnirelay/metrics answered HTTP ${res.status}`);
    return res.data;
  }

  /** A unary RPC over HTTP: `POST` with `Rpc-Procedure`; the path is ignored by the contract. */
  async call(procedure: string, body: unknown, headers: Record<string, string> = {}, timeoutMs?: number): Promise<RpcResponse> {
    const res = await this.http.post('/', body, {
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
      headers: { 'Rpc-Procedure': procedure, 'Rpc-Caller': 'hyperscale-suite', 'Rpc-Encoding': 'json', 'Content-Type': 'application/json', ...headers },
      transformResponse: (raw) => raw,
    });
    const flat = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    let parsed: unknown = res.data;
    try {
      parsed = JSON.parse(res.data as string);
    } catch {
      /* keep the raw text */
    }
    return { status: res.status, rpcStatus: flat['rpc-status'], answeredBy: flat[EXT.answeredByHeader], headers: flat, body: parsed };
  }

  private async json<T>(path: string, params?: Record<string, string>, headers?: Record<string, string>): Promise<T> {
    const res = await this.http.get<T>(path, { params, headers });
    if (res.status !== 200) {
      throw new Error(`GET ${this.baseUrl}${path} answered HTTP ${res.status}: ${JSON.stringify(res.data).slice(0, 300)}`);
    }
    return res.data;
  }
}
