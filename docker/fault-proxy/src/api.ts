// The Toxiproxy 2.x HTTP API (api.go routes). Unknown paths answer 404, known paths with another method 405,
// browsers 403 (a guard against cross-site requests). Requests run one at a time, like the Go server's locks.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ProxyCollection } from './collection';
import { toxicNotFound } from './errors';
import { readBody, requestId, sendEmpty, sendError, sendJson, sendText } from './http';
import { parseBody } from './json';
import { toxicJson } from './toxics/toxic';

/** The Toxiproxy release whose API this server reproduces. */
export const VERSION = '2.12.0';

type Params = Readonly<Record<string, string>>;
type Handler = (params: Params, body: () => unknown, res: ServerResponse) => Promise<void> | void;

interface Route {
  readonly pattern: readonly string[];
  readonly methods: Readonly<Record<string, Handler>>;
}

function routes(proxies: ProxyCollection): Route[] {
  const proxy = (p: Params) => proxies.get(p['proxy'] ?? '');
  const toxic = (p: Params) => {
    const found = proxy(p).toxics.get(p['toxic'] ?? '');
    if (!found) throw toxicNotFound();
    return found;
  };
  const updateProxy: Handler = async (p, body, res) => {
    proxy(p); // 404 before the body is looked at
    sendJson(res, 200, await proxies.update(p['proxy'] ?? '', body()));
  };
  const updateToxic: Handler = async (p, body, res) => {
    const found = toxic(p); // 404 (proxy, then toxic) before the body is looked at
    sendJson(res, 200, toxicJson(await proxy(p).toxics.update(found.name, body())));
  };
  return [
    {
      pattern: ['reset'],
      methods: {
        POST: async (_p, _b, res) => {
          await proxies.reset();
          sendEmpty(res, 204);
        },
      },
    },
    {
      pattern: ['proxies'],
      methods: {
        GET: (_p, _b, res) => sendJson(res, 200, Object.fromEntries(proxies.list().map((x) => [x.name, x]))),
        POST: async (_p, body, res) => sendJson(res, 201, await proxies.create(body())),
      },
    },
    { pattern: ['populate'], methods: { POST: async (_p, body, res) => sendJson(res, 201, { proxies: await proxies.populate(body()) }) } },
    {
      pattern: ['proxies', ':proxy'],
      methods: {
        GET: (p, _b, res) => sendJson(res, 200, proxy(p)),
        POST: updateProxy,
        PATCH: updateProxy,
        DELETE: async (p, _b, res) => {
          await proxies.remove(p['proxy'] ?? '');
          sendEmpty(res, 204);
        },
      },
    },
    {
      pattern: ['proxies', ':proxy', 'toxics'],
      methods: {
        GET: (p, _b, res) => sendJson(res, 200, proxy(p).toxics.list().map(toxicJson)),
        // 200, not 201: the Go server writes no explicit status here.
        POST: (p, body, res) => {
          const found = proxy(p);
          sendJson(res, 200, toxicJson(found.toxics.add(body())));
        },
      },
    },
    {
      pattern: ['proxies', ':proxy', 'toxics', ':toxic'],
      methods: {
        GET: (p, _b, res) => sendJson(res, 200, toxicJson(toxic(p))),
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: async (p, _b, res) => {
          await proxy(p).toxics.remove(p['toxic'] ?? '');
          sendEmpty(res, 204);
        },
      },
    },
    {
      pattern: ['version'],
      methods: {
        GET: (_p, _b, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' }).end(`{"version": "${VERSION}"}\n`);
        },
      },
    },
  ];
}

function match(pattern: readonly string[], segments: readonly string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

export function createApi(proxies: ProxyCollection): RequestListener {
  const table = routes(proxies);
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('X-Toxiproxy-Request-Id', requestId());
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) return sendText(res, 403, 'User agent not allowed\n');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const segments = path.split('/').slice(1);
    let params: Params | undefined;
    const route = table.find((r) => (params = match(r.pattern, segments)) !== undefined);
    if (!route || !params) return sendText(res, 404, '404 page not found\n');
    const handler = route.methods[req.method ?? ''];
    if (!handler) return sendEmpty(res, 405);
    const found = params;
    readBody(req)
      .then((raw) => serial(async () => handler(found, () => parseBody(raw), res)))
      .catch((error: unknown) => (res.headersSent ? res.destroy() : sendError(res, error)));
  };
}
