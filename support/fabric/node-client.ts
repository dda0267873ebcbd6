// A client for one host's public endpoints (data plane, control routes, RPC over HTTP), reached only
// through its port published on 127.0.0.1.
import axios, { type AxiosInstance } from 'axios';
import { EXT, type Introspection, type LeadersView, type PeersView, type Promotion, type Readiness, type RpcResponse } from './contract';

export class NodeClient {
  private readonly http: AxiosInstance;

  constructor(readonly baseUrl: string, timeoutMs = 2_000) {
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

  /** Prometheus text from `/omnirelay/metrics`. */
  async metrics(): Promise<string> {
    const res = await this.http.get<string>('/omnirelay/metrics', { responseType: 'text', transformResponse: (raw) => raw });
    if (res.status !== 200) throw new Error(`GET ${this.baseUrl}/omnirelay/metrics answered HTTP ${res.status}`);
    return res.data;
  }

  /** A unary RPC over HTTP: `POST` with `Rpc-Procedure`; the path is ignored by the contract. */
  async call(procedure: string, body: unknown, headers: Record<string, string> = {}): Promise<RpcResponse> {
    const res = await this.http.post('/', body, {
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

  private async json<T>(path: string, params?: Record<string, string>): Promise<T> {
    const res = await this.http.get<T>(path, { params });
    if (res.status !== 200) {
      throw new Error(`GET ${this.baseUrl}${path} answered HTTP ${res.status}: ${JSON.stringify(res.data).slice(0, 300)}`);
    }
    return res.data;
  }
}
