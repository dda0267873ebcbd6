// For tests: a throwaway single-member etcd on loopback (Debian's etcd-server binary, or ETCD_BIN).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** `false` when an etcd binary exists, else the reason to skip (node:test's `skip` option). */
export const skipWithoutEtcd: false | string = existsSync(ETCD_BIN) ? false : `no etcd binary at ${ETCD_BIN}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LocalEtcd {
  readonly endpoint: string;
  readonly clientPort: number;
  stop(): void;
}

/** Starts etcd in a temporary data dir and resolves once /health answers (10 s at most). */
export async function startLocalEtcd(): Promise<LocalEtcd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-etcd-test-'));
  const [clientPort, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const etcd = spawn(
    ETCD_BIN,
    [
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peer}`,
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    etcd.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${endpoint}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { endpoint, clientPort, stop };
    await sleep(100);
  }
  stop();
  throw new Error('etcd did not become healthy within 10 s');
}
