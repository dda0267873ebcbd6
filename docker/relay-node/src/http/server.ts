// The plain-HTTP listener on RELAY_HTTP_PORT: data-plane routes, control routes, and unary RPC
// for every other POST.
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
import { writeJson } from './respond';

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
  /** In-process chaos hooks by name (`POST /omnirelay/control/chaos/<name>:start`); each returns whether it acted. */
  chaos?: Readonly<Record<string, () => boolean>>;
  /** Route groups added by subsystems (shards, drain): each answers true when it handled the request. */
  routes?: readonly RouteHandler[];
  log: Logger;
}

/** Handles `req` and resolves true, or resolves false (without touching `res`) to let the next handler try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const CHAOS_ROUTE = /^\/omnirelay\/control\/chaos\/([^/:]+):(start|stop)$/;

export function createHttpServer(deps: HttpServerDeps): RequestListener {
  return (req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      deps.log.error('http handler failed', { method: req.method, url: req.url, error: errorMessage(error) });
      if (!res.headersSent) writeJson(res, 500, { message: 'internal error' });
      else res.destroy();
    });
  };
}

async function route(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://relay-node');
  const path = url.pathname;
  const scope = url.searchParams.get('scope') ?? undefined;
  for (const handler of deps.routes ?? []) if (await handler(req, res, url)) return;

  if (req.method === 'GET' || req.method === 'HEAD') {
    switch (path) {
      case '/omnirelay/introspect':
        writeJson(res, 200, buildIntrospection(deps));
        return;
      case '/healthz':
        writeHealth(res, deps.state, false);
        return;
      case '/readyz':
        writeHealth(res, deps.state, true);
        return;
      case '/control/peers':
      case '/omnirelay/control/peers':
        deps.sweepGossip();
        writePeers(res, deps.table);
        return;
      case '/control/leaders':
        writeLeaders(res, deps.leaders(), scope);
        return;
      case '/control/events/leadership':
        streamLeadershipEvents(req, res, deps.leaders(), deps.events, scope);
        return;
      case '/omnirelay/metrics': {
        const body = await deps.metrics.registry.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
    }
    // OmniRelay treats other GETs as server-stream calls; relay-node registers none.
    if (req.headers['rpc-procedure']) {
      writeError(req, res, 'Unimplemented', `stream procedure '${String(req.headers['rpc-procedure'])}' is not registered`);
      return;
    }
    writeJson(res, 404, { message: `no route GET ${path}` });
    return;
  }

  if (req.method === 'POST') {
    const chaos = CHAOS_ROUTE.exec(path);
    if (chaos) {
      req.resume();
      const [, name = '', action] = chaos;
      const hook = deps.chaos?.[name];
      if (!hook) {
        writeJson(res, 404, { message: `unknown chaos fault '${name}'`, known: Object.keys(deps.chaos ?? {}) });
        return;
      }
      // Hooks are one-shot actions: `:stop` has nothing to undo.
      const acted = action === 'start' ? hook() : false;
      writeJson(res, 200, { fault: name, action, acted });
      return;
    }
    if (path === PROMOTE_PATH || path === RELEASE_PATH) {
      const control = { leadership: deps.leadership(), state: deps.state, table: deps.table, httpPort: deps.config.httpPort, log: deps.log };
      await (path === PROMOTE_PATH ? handlePromote : handleRelease)(req, res, control);
      return;
    }
    await deps.rpc(req, res);
    return;
  }

  req.resume();
  writeJson(res, 405, { message: `method ${req.method ?? ''} not allowed` }, { allow: 'GET, POST' });
}
