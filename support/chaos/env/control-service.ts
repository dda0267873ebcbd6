// The chaos environment's control service: the suite's certificate authority as a long-running program
// (keys only in this process's memory, as in a scenario), the fault log a game day's faults are written to
// (exported as `chaos_fault_active{fault,target}` for Prometheus, and so for dashboard annotations), and the
// keeper of the fault proxy's routes (re-populated whenever the proxy lacks one: after a restart, say).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BootstrapServer, CertificateAuthority } from '../../tls';
import { readBody, writeJson } from '../../tls/bootstrap-server';
import type { ProxyRoute } from './compose';

/** A fault as the CLI registers it: what, where, and the bound after which it counts as ended regardless. */
export interface FaultEntry {
  readonly id: number;
  readonly fault: string;
  readonly target: string;
  readonly startedAt: string;
  /** The fault's bound: the CLI heals it by then; the gauge drops to 0 then even if the CLI was killed. */
  readonly endsBy: string;
  endedAt?: string;
}

export interface ControlOptions {
  readonly port: number;
  readonly token: string;
  /** Toxiproxy API of the environment's fault proxy, and the routes it must have. */
  readonly proxy?: { readonly api: string; readonly routes: readonly ProxyRoute[] };
  readonly log?: (line: string) => void;
}

/** How often the route keeper compares the proxy's routes with the environment's. */
const KEEP_ROUTES_MS = 2000;

export class ChaosControl {
  private readonly faults: FaultEntry[] = [];
  private lastId = 0;
  private keeper: NodeJS.Timeout | undefined;
  /** True once the proxy has every route; with no proxy to keep, there is nothing to wait for. */
  private routesInPlace: boolean;

  private constructor(
    readonly bootstrap: BootstrapServer,
    private readonly options: ControlOptions,
  ) {
    this.routesInPlace = options.proxy === undefined;
  }

  static async start(options: ControlOptions): Promise<ChaosControl> {
    const ca = await CertificateAuthority.create();
    // The server must exist before the service that answers its other routes; until then they wait.
    let route = (_req: IncomingMessage, res: ServerResponse): Promise<void> => Promise.resolve(writeJson(res, 503, { message: 'starting' }));
    const bootstrap = await BootstrapServer.start(ca, {
      host: '0.0.0.0',
      port: options.port,
      clusterToken: options.token,
      otherRoutes: (req, res) => route(req, res),
    });
    const control = new ChaosControl(bootstrap, options);
    route = (req, res) => control.handle(req, res);
    if (options.proxy) control.keepRoutes(options.proxy);
    return control;
  }

  /** Faults registered so far, oldest first; `active` only those not ended nor past their bound. */
  list(active = false, now = Date.now()): FaultEntry[] {
    return this.faults.filter((f) => !active || isActive(f, now));
  }

  register(fault: string, target: string, boundMs: number, now = Date.now()): FaultEntry {
    const entry: FaultEntry = { id: ++this.lastId, fault, target, startedAt: new Date(now).toISOString(), endsBy: new Date(now + boundMs).toISOString() };
    this.faults.push(entry);
    this.options.log?.(`fault ${entry.id} ${fault} on ${target} for at most ${boundMs} ms`);
    return entry;
  }

  end(id: number, now = Date.now()): FaultEntry | undefined {
    const entry = this.faults.find((f) => f.id === id);
    if (entry && !entry.endedAt) entry.endedAt = new Date(now).toISOString();
    if (entry) this.options.log?.(`fault ${id} ended`);
    return entry;
  }

  /** Prometheus text: one series per fault ever registered (1 while active), the CA's enrollments, and whether the proxy routes are in place. */
  metrics(now = Date.now()): string {
    const lines = ['# HELP chaos_fault_active Faults of the chaos CLI: 1 while active, 0 after.', '# TYPE chaos_fault_active gauge'];
    const seen = new Map<string, number>();
    for (const f of this.faults) {
      const key = `fault="${escape(f.fault)}",target="${escape(f.target)}"`;
      seen.set(key, Math.max(seen.get(key) ?? 0, isActive(f, now) ? 1 : 0));
    }
    for (const [key, value] of seen) lines.push(`chaos_fault_active{${key}} ${value}`);
    lines.push('# HELP chaos_ca_enrollments_total Certificates the CA issued, by node.', '# TYPE chaos_ca_enrollments_total counter');
    const byNode = new Map<string, number>();
    for (const e of this.bootstrap.enrollments) byNode.set(e.nodeId, (byNode.get(e.nodeId) ?? 0) + 1);
    for (const [node, n] of byNode) lines.push(`chaos_ca_enrollments_total{node="${escape(node)}"} ${n}`);
    lines.push('# HELP chaos_proxy_routes_ready 1 when the fault proxy has every route of the environment.', '# TYPE chaos_proxy_routes_ready gauge');
    lines.push(`chaos_proxy_routes_ready ${Number(this.routesInPlace)}`);
    return `${lines.join('\n')}\n`;
  }

  async stop(): Promise<void> {
    clearInterval(this.keeper);
    await this.bootstrap.stop();
  }

  private keepRoutes(proxy: NonNullable<ControlOptions['proxy']>): void {
    const keep = async () => {
      try {
        const res = await fetch(`${proxy.api}/proxies`, { signal: AbortSignal.timeout(2000) });
        const present = (await res.json()) as Record<string, unknown>;
        const missing = proxy.routes.filter((r) => !(r.name in present));
        if (missing.length > 0) {
          const populate = await fetch(`${proxy.api}/populate`, {
            method: 'POST',
            body: JSON.stringify(missing),
            headers: { 'content-type': 'application/json' },
            signal: AbortSignal.timeout(5000),
          });
          if (!populate.ok) throw new Error(`POST /populate answered ${populate.status}: ${await populate.text()}`);
          this.options.log?.(`fault proxy: routed ${missing.length} path(s)`);
        }
        this.routesInPlace = true;
      } catch (error) {
        if (this.routesInPlace) this.options.log?.(`fault proxy unreachable: ${(error as Error).message}`);
        this.routesInPlace = false;
      }
    };
    void keep();
    this.keeper = setInterval(() => void keep(), KEEP_ROUTES_MS);
    this.keeper.unref();
  }

  /** Every route but the join (which the bootstrap server answers itself). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /healthz') return writeJson(res, 200, { ok: true, routesInPlace: this.routesInPlace });
    if (route === 'GET /metrics') {
      const text = this.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(text);
      return;
    }
    if (route === 'GET /faults') return writeJson(res, 200, { faults: this.list(url.searchParams.get('active') === 'true') });
    if (route === 'GET /ca/enrollments') return writeJson(res, 200, { enrollments: this.bootstrap.enrollments });
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (typeof body === 'string') return writeJson(res, 400, { message: body });
    if (route === 'POST /faults') {
      const { fault, target, boundMs } = body ?? {};
      if (typeof fault !== 'string' || typeof target !== 'string' || typeof boundMs !== 'number' || boundMs <= 0) {
        return writeJson(res, 400, { message: 'body must be {fault: string, target: string, boundMs: positive number}' });
      }
      return writeJson(res, 201, this.register(fault, target, boundMs));
    }
    const ended = /^POST \/faults\/(\d+)\/end$/.exec(route);
    if (ended) {
      const entry = this.end(Number(ended[1]));
      return entry ? writeJson(res, 200, entry) : writeJson(res, 404, { message: `no fault ${ended[1]}` });
    }
    if (route === 'POST /ca/validity') {
      // {node, notBefore, notAfter}: the node's next certificates carry these dates; {node} alone restores the default.
      const { node, notBefore, notAfter } = body ?? {};
      if (typeof node !== 'string') return writeJson(res, 400, { message: 'body must be {node, notBefore?, notAfter?} (ISO-8601 dates)' });
      const dates =
        typeof notBefore === 'string' && typeof notAfter === 'string' ? { notBefore: new Date(notBefore), notAfter: new Date(notAfter) } : undefined;
      if (dates && (Number.isNaN(dates.notBefore.getTime()) || Number.isNaN(dates.notAfter.getTime())))
        return writeJson(res, 400, { message: 'notBefore and notAfter must be ISO-8601 dates' });
      this.bootstrap.setValidity(node, dates);
      this.options.log?.(
        dates
          ? `CA: ${node}'s next certificate valid ${notBefore as string} → ${notAfter as string}`
          : `CA: ${node}'s certificates back to the default validity`,
      );
      return writeJson(res, 200, { node, validity: dates ?? 'default' });
    }
    return writeJson(res, 404, {
      message: `no route ${route}; routes: GET /healthz, GET /metrics, GET /faults[?active=true], POST /faults, POST /faults/<id>/end, GET /ca/enrollments, POST /ca/validity`,
    });
  }
}

function isActive(f: FaultEntry, now: number): boolean {
  return !f.endedAt && Date.parse(f.endsBy) > now;
}

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | string> {
  const text = await readBody(req);
  if (text === undefined) return 'request body too large';
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'body must be a JSON object';
  } catch {
    return 'body must be JSON';
  }
}
