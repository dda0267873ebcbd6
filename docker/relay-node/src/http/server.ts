// The plain-HTTP listener on RELAY_HTTP_PORT: one table of every route (the node's own and its
// subsystems'), and unary RPC for every other POST.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RelayConfig } from '../config';
import type { MembershipTable } from '../gossip/membership';
import type { LeadershipEvents } from '../leadership/events';
import type { LeadershipService } from '../leadership/leadership';
import { errorMessage, type Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import { writeError } from '../rpc/inbound';
import type { ProcedureRegistry } from '../rpc/procedures';
import type { NodeState } from '../state';
import { handlePromote, handleRelease, PROMOTE_PATH, RELEASE_PATH } from './control-leaders';
import { writeHealth } from './health';
import { buildIntrospection } from './introspect';
import { type LeaderSource, streamLeadershipEvents, writeLeaders } from './leaders';
import { writePeers } from './peers';
import { parseJsonObject, readBody } from './body';
import { ChaosParamsError, type ChaosHook } from './chaos-hooks';
import { writeJson } from './respond';
import { type Route, RouteTable } from './routes';

export interface HttpServerDeps {
  config: RelayConfig;
  state: NodeState;
  metrics: RelayMetrics;
  registry: ProcedureRegistry;
  table: MembershipTable;
  /** Brings gossip statuses up to date before the peers view is read. */
  sweepGossip: () => void;
  leaders: () => LeaderSource | undefined;
  /** Promotion and release on request (undefined when leadership is disabled). */
  leadership: () => LeadershipService | undefined;
  events: LeadershipEvents;
  rpc: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** In-process chaos hooks by name (`POST /omnirelay/control/chaos/<name>:start|stop`). */
  chaos?: Readonly<Record<string, ChaosHook>>;
  /** Routes added by subsystems (shard data and control, pressure, geo), tabled with coreRoutes. */
  routes?: readonly Route[];
  log: Logger;
}

export interface HttpHandler {
  /** Every route the node serves, its own and its subsystems'. */
  routes: RouteTable;
  /** The request listener: the table's route, else unary RPC for a POST. */
  listener: RequestListener;
}

export function createHttpServer(deps: HttpServerDeps): HttpHandler {
  const table = new RouteTable([...coreRoutes(deps), ...(deps.routes ?? [])]);
  const listener: RequestListener = (req, res) => {
    route(table, deps, req, res).catch((error: unknown) => {
      deps.log.error('http handler failed', { method: req.method, url: req.url, error: errorMessage(error) });
      if (!res.headersSent) writeJson(res, 500, { message: 'internal error' });
      else res.destroy();
    });
  };
  return { routes: table, listener };
}

const CHAOS_PREFIX = '/omnirelay/control/chaos/';
const CHAOS_ACTION = /^([^/:]+):(start|stop)$/;

/** The node's own routes (health, introspection, peers, leaders, metrics, chaos, promotion); subsystems add theirs. */
export function coreRoutes(deps: HttpServerDeps): Route[] {
  const get = (path: string, handle: Route['handle']): Route => ({ method: 'GET', path, handle });
  const peers: Route['handle'] = (_req, res) => {
    deps.sweepGossip();
    writePeers(res, deps.table);
  };
  const control = () => ({ leadership: deps.leadership(), state: deps.state, table: deps.table, httpPort: deps.config.httpPort, log: deps.log });
  return [
    get('/omnirelay/introspect', (_req, res) => writeJson(res, 200, buildIntrospection(deps))),
    get('/healthz', (_req, res) => writeHealth(res, deps.state, false)),
    get('/readyz', (_req, res) => writeHealth(res, deps.state, true)),
    get('/control/peers', peers),
    get('/omnirelay/control/peers', peers),
    get('/control/leaders', (_req, res, url) => writeLeaders(res, deps.leaders(), url.searchParams.get('scope') ?? undefined)),
    get('/control/events/leadership', (req, res, url) =>
      streamLeadershipEvents(req, res, deps.leaders(), deps.events, url.searchParams.get('scope') ?? undefined),
    ),
    get('/omnirelay/metrics', async (_req, res) => {
      const body = await deps.metrics.registry.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }),
    { method: 'POST', path: PROMOTE_PATH, handle: (req, res) => handlePromote(req, res, control()) },
    { method: 'POST', path: RELEASE_PATH, handle: (req, res) => handleRelease(req, res, control()) },
    { method: 'POST', path: `${CHAOS_PREFIX}*`, handle: (req, res, url) => chaos(deps, req, res, url) },
  ];
}

/**
 * `POST /omnirelay/control/chaos/<name>:start|stop`, the body (JSON, optional) the hook's parameters.
 * Answers `{fault, action, acted, ...state}`; a hook refusing its parameters is a 400 naming the problem.
 */
async function chaos(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const match = CHAOS_ACTION.exec(url.pathname.slice(CHAOS_PREFIX.length));
  const [, name = '', action] = match ?? [];
  const hook = deps.chaos?.[name];
  if (!match || !hook) {
    req.resume();
    writeJson(res, 404, { message: `unknown chaos fault '${name}'`, known: Object.keys(deps.chaos ?? {}) });
    return;
  }
  try {
    const body = (await readBody(req, 16 * 1024, () => new ChaosParamsError('body too large'))).toString('utf8').trim();
    const params = body === '' ? {} : parseJsonObject(body, (problem) => new ChaosParamsError(`the body is ${problem}`));
    const outcome = action === 'start' ? hook.start(params) : (hook.stop?.() ?? { acted: false });
    writeJson(res, 200, { fault: name, action, ...outcome });
  } catch (error) {
    if (!(error instanceof ChaosParamsError)) throw error;
    writeJson(res, 400, { message: `chaos ${name}:${action}: ${error.message}` });
  }
}

async function route(table: RouteTable, deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://relay-node');
  if (await table.dispatch(req, res, url)) return;
  if (req.method === 'POST') return deps.rpc(req, res); // any other POST is a unary call
  req.resume();
  const allowed = table.allowed(url.pathname);
  if (allowed.length > 0 || (req.method !== 'GET' && req.method !== 'HEAD')) {
    writeJson(res, 405, { message: `method ${req.method ?? ''} not allowed` }, { allow: (allowed.length > 0 ? allowed : ['GET', 'POST']).join(', ') });
  } else if (req.headers['rpc-procedure']) {
    // OmniRelay treats other GETs as server-stream calls; relay-node registers none.
    writeError(req, res, 'Unimplemented', `stream procedure '${String(req.headers['rpc-procedure'])}' is not registered`);
  } else {
    writeJson(res, 404, { message: `no route GET ${url.pathname}` });
  }
}
