// A call from this node to its own RPC port, so the router takes it to the owner of `key`'s shard like
// any client call: how an entity acts on another entity (pingpong's second counter, a workflow's
// activity), with a bound.
import * as http from 'node:http';
import { ShardError } from './replication';

export interface SelfCallDeps {
  httpPort: number;
  /** Bound of the whole call. */
  callTimeoutMs: number;
}

export function selfCall(
  deps: SelfCallDeps,
  procedure: string,
  key: string,
  body: Record<string, unknown>,
  caller: string,
): Promise<{ servedBy: string; value: unknown; body: Record<string, unknown> }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: deps.httpPort,
        method: 'POST',
        path: '/',
        headers: {
          'rpc-procedure': procedure,
          'rpc-encoding': 'json',
          'rpc-caller': caller,
          'rpc-shard-key': key,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          const servedBy = String(res.headers['x-mesh-node'] ?? '');
          if (res.statusCode !== 200) {
            reject(new ShardError('Unavailable', `${procedure} ${key} answered ${res.statusCode ?? 0} from ${servedBy}`));
            return;
          }
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            resolve({ servedBy, value: answer.value, body: answer });
          } catch {
            reject(new ShardError('Unavailable', `${procedure}: unreadable answer for ${key}`));
          }
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${deps.callTimeoutMs} ms`)), deps.callTimeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(new ShardError('Unavailable', `${procedure} ${key}: ${error.message}`));
    });
    req.end(payload);
  });
}
