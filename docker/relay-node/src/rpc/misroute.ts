// Seeded defect `misroute-rpc`: calls without Rpc-Shard-Key are relayed over plain HTTP to the
// first seed peer, whose answer (its own X-Mesh-Node included) goes back to the caller. A
// scenario that checks which node served a call must catch this.
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RelayConfig } from '../config';
import type { MembershipTable } from '../gossip/membership';
import { errorMessage, type Logger } from '../log';
import { HTTP_ENDPOINT_LABEL, splitHostPort } from './http-endpoints';
import { writeError } from './inbound';

export { HTTP_ENDPOINT_LABEL } from './http-endpoints';

/** Marks a relayed call so that the receiving node serves it instead of relaying it again. */
export const FORWARDED_BY_HEADER = 'x-mesh-forwarded-by';

export function createMisrouter(config: RelayConfig, table: MembershipTable, log: Logger): (req: IncomingMessage, res: ServerResponse) => boolean {
  const seed = config.seedPeers[0];
  let warned = false;
  return (req, res) => {
    if (req.headers['rpc-shard-key'] || req.headers[FORWARDED_BY_HEADER]) return false;
    if (!seed) {
      if (!warned) log.warn('misroute-rpc: no seed peer to misroute to; serving locally');
      warned = true;
      return false;
    }
    // Prefer the HTTP endpoint the seed advertises through gossip; fall back to our own HTTP port.
    const advertised = table.get(seed.nodeId)?.metadata.labels[HTTP_ENDPOINT_LABEL];
    const { host, port } = splitHostPort(advertised) ?? { host: seed.host, port: config.httpPort };
    const headers = { ...req.headers, [FORWARDED_BY_HEADER]: config.nodeId };
    delete headers.host;
    const upstream = http.request({ host, port, method: req.method, path: req.url, headers, timeout: 10_000 }, (answer) => {
      // Raw headers keep the peer's spelling; hop-by-hop headers stay on this connection.
      const relayed: string[] = [];
      for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i] ?? '';
        if (!/^(connection|keep-alive)$/i.test(name)) relayed.push(name, answer.rawHeaders[i + 1] ?? '');
      }
      res.removeHeader('X-Mesh-Node');
      res.writeHead(answer.statusCode ?? 502, relayed);
      answer.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('misrouted call timed out')));
    upstream.on('error', (error) => {
      log.warn('misroute-rpc: relay failed', { target: `${host}:${port}`, error: errorMessage(error) });
      writeError(req, res, 'Unavailable', `misrouted call to ${seed.nodeId} failed: ${errorMessage(error)}`);
    });
    req.pipe(upstream);
    return true;
  };
}
