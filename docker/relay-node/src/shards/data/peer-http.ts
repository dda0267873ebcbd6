// JSON between nodes over plain HTTP (replication entries, snapshots, installs), each call bounded
// by a timeout covering connect to end of answer. Keep-alive: replication sends one entry per write.
import * as http from 'node:http';
import type { HostPort } from '../../rpc/http-endpoints';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface PeerAnswer {
  status: number;
  body: unknown;
}

/** Resolves with any HTTP answer; rejects on connection failure or timeout. */
export function peerJson(target: HostPort, method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<PeerAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const req = http.request({ host: target.host, port: target.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(payload);
  });
}
