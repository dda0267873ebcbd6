// The node's routes are declared, not matched by hand: each subsystem lists its routes (method,
// path, the `x-mesh-scope` they need, a handler) and buildNode puts them in one RouteTable, which
// refuses two routes for the same method and path, answers HEAD with the GET route, checks scopes
// in one place (403 problem+json) and says which methods a known path allows (405).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problem } from './problem';

export type Method = 'GET' | 'POST';

/** Reading control views: mesh.read, or mesh.operate (which includes it). */
export const MESH_READ = ['mesh.read', 'mesh.operate'] as const;
/** Changing the mesh (rebalance, simulate, history): mesh.operate. */
export const MESH_OPERATE = ['mesh.operate'] as const;

export interface Route {
  method: Method;
  /** An exact path, or a prefix ending in `*` (the handler reads the rest). */
  path: string;
  /** The request's `x-mesh-scope` must name one of these. */
  scopes?: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: Route[] = [];

  constructor(readonly routes: readonly Route[]) {
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (this.exact.has(key) || this.prefixes.some((p) => `${p.method} ${p.path}` === key)) throw new Error(`two routes for ${key}`);
      if (route.path.endsWith('*')) this.prefixes.push(route);
      else this.exact.set(key, route);
    }
  }

  find(method: string | undefined, path: string): Route | undefined {
    const m = method === 'HEAD' ? 'GET' : method;
    return this.exact.get(`${m} ${path}`) ?? this.prefixes.find((r) => r.method === m && path.startsWith(r.path.slice(0, -1)));
  }

  /** The methods some route serves on `path` (empty: the path is unknown). */
  allowed(path: string): Method[] {
    return (['GET', 'POST'] as const).filter((m) => this.find(m, path) !== undefined);
  }

  /** Serves the request and resolves true, or resolves false (without touching `res`) when no route matches. */
  async dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const route = this.find(req.method, url.pathname);
    if (!route) return false;
    if (route.scopes && !hasScope(req, route.scopes)) {
      req.resume();
      const required = route.scopes.join(' or ');
      problem(res, 403, 'shards.control.scope.missing', `header x-mesh-scope must contain ${required}`, { required: route.scopes.join(' ') });
      return true;
    }
    await route.handle(req, res, url);
    return true;
  }
}

/** `x-mesh-scope` lists scopes separated by spaces, commas or semicolons (case-insensitive); any of `accepted` will do. */
export function hasScope(req: IncomingMessage, accepted: readonly string[]): boolean {
  const raw = req.headers['x-mesh-scope'];
  const tokens = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(/[\s,;]+/).map((t) => t.toLowerCase());
  return accepted.some((scope) => tokens.includes(scope.toLowerCase()));
}
