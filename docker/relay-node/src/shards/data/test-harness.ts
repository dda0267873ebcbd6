// Test support (not a test): in-process relay nodes on loopback with the real RPC inbound, the shard
// data plane and a shard map view the test controls.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import type { MembershipTable } from '../../gossip/membership';
import type { MemberMetadata } from '../../gossip/types';
import { createLogger } from '../../log';
import type { RelayMetrics } from '../../metrics';
import { buildNode, type RelayNode } from '../../node';
import { SHARD_STATUS, type ShardMap, type ShardMapView, type ShardRecord } from '../types';
import type { ShardDataPlane } from './plane';

export const NAMESPACE = 'test.ns';
export const SHARD_IDS = ['s0', 's1', 's2', 's3'];

export class FakeView implements ShardMapView {
  private map: ShardMap | undefined;
  private readonly listeners: Array<(map: ShardMap, previous: ShardMap | undefined) => void> = [];

  set(map: ShardMap): void {
    const previous = this.map;
    this.map = map;
    for (const listener of this.listeners) listener(map, previous);
  }

  current(): ShardMap | undefined {
    return this.map;
  }

  record(shardId: string): ShardRecord | undefined {
    return this.map?.records.find((r) => r.shardId === shardId);
  }

  onChange(listener: (map: ShardMap, previous: ShardMap | undefined) => void): void {
    this.listeners.push(listener);
  }

  refresh(): Promise<ShardMap | undefined> {
    return Promise.resolve(this.map);
  }
}

export interface Placement {
  owner: string;
  replicas: string[];
  fence: number;
}

/** A map where every shard not listed in `overrides` is placed by `base`. */
export function mapOf(version: number, base: Placement, overrides: Record<string, Placement> = {}): ShardMap {
  const records = SHARD_IDS.map((shardId): ShardRecord => {
    const p = overrides[shardId] ?? base;
    return {
      namespace: NAMESPACE,
      shardId,
      strategyId: 'rendezvous',
      ownerNodeId: p.owner,
      capacityHint: 1,
      status: SHARD_STATUS.Active,
      version,
      checksum: 'x',
      updatedAt: new Date().toISOString(),
      replicas: p.replicas,
      fenceToken: p.fence,
    };
  });
  return { namespace: NAMESPACE, version, strategyId: 'rendezvous', records, overrides: {}, publishedBy: 'test', publishedAt: new Date().toISOString() };
}

export interface TestNode {
  id: string;
  port: number;
  table: MembershipTable;
  view: FakeView;
  plane: ShardDataPlane;
  metrics: RelayMetrics;
  logs: Array<Record<string, unknown>>;
  server: http.Server;
  node: RelayNode;
}

export interface NodeOptions {
  defects?: string;
  /** RELAY_REGION here also sets the node's gossip metadata region (default "r"). */
  env?: Record<string, string>;
  /** The node holds global-control (records pressure episodes). */
  leader?: boolean;
}

/** The gossip metadata a peer advertises: its HTTP endpoint on loopback, its region. */
function metadata(id: string, port: number, region = 'r'): MemberMetadata {
  return {
    nodeId: id,
    role: '',
    clusterId: 'test',
    region,
    meshVersion: '0.1.0',
    http3Support: false,
    endpoint: `127.0.0.1:${port + 1}`,
    metadataVersion: 1,
    labels: { httpEndpoint: `127.0.0.1:${port}` },
  };
}

/**
 * Starts nodes built like the real one (buildNode) with no etcd, a shard map the test sets, and
 * tables that already know every peer; `extraPeers` (id → port) are other servers the tables
 * should know (e.g. stub replicas).
 */
export async function startNodes(ids: string[], options: Record<string, NodeOptions> = {}, extraPeers: Record<string, number> = {}): Promise<TestNode[]> {
  // Listen first: a node's port is part of its configuration and of every peer's table.
  const servers = await Promise.all(
    ids.map(async (id) => {
      const server = http.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { id, server, port: (server.address() as AddressInfo).port };
    }),
  );
  const peers: Record<string, number> = { ...extraPeers, ...Object.fromEntries(servers.map((s) => [s.id, s.port])) };
  const regionOf = (node: string): string | undefined => options[node]?.env?.RELAY_REGION;
  return Promise.all(
    servers.map(async ({ id, server, port }) => {
      const opts = options[id] ?? {};
      const config = loadConfig({
        RELAY_NODE_ID: id,
        RELAY_HTTP_PORT: String(port),
        RELAY_REGION: regionOf(id) ?? 'r',
        RELAY_CLUSTER_ID: 'test',
        RELAY_ADVERTISE_HOST: '127.0.0.1',
        RELAY_GOSSIP_PORT: String(port + 1),
        RELAY_SHARD_NAMESPACE: NAMESPACE,
        RELAY_SHARD_IDS: SHARD_IDS.join(','),
        RELAY_REPLICATION_TIMEOUT_MS: '500',
        RELAY_HANDOVER_TIMEOUT_MS: '500',
        RELAY_FORWARD_TIMEOUT_MS: '1000',
        RELAY_DEFECT: opts.defects ?? '',
        RELAY_ENTITY_DIR: join(tmpdir(), `relay-entities-test-${process.pid}`),
        // The singleton's beats would add entries to some shard's log; only its own test turns it on.
        RELAY_SINGLETON_KEY: 'off',
        ...opts.env,
      });
      const logs: Array<Record<string, unknown>> = [];
      const log = createLogger({ node: id }, 'debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
      const view = new FakeView();
      const node = buildNode(config, { log, server, view, isGlobalLeader: () => opts.leader === true });
      for (const [peer, peerPort] of Object.entries(peers)) if (peer !== id) node.table.recordDirect(metadata(peer, peerPort, regionOf(peer)), Date.now());
      await node.start();
      return { id, port, table: node.table, view, plane: node.plane, metrics: node.metrics, logs, server, node };
    }),
  );
}

export async function stopNodes(nodes: readonly TestNode[]): Promise<void> {
  for (const node of nodes) {
    await node.node.close();
    rmSync(join(tmpdir(), `relay-entities-test-${process.pid}`, node.id), { recursive: true, force: true });
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read the JSON answer's fields directly
  body: any;
}

export function call(node: TestNode, procedure: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request(node.port, 'POST', '/', { 'rpc-procedure': procedure, 'rpc-encoding': 'json', 'content-type': 'application/json', ...headers }, body);
}

export function shardState(node: TestNode, shardId: string): Promise<Answer> {
  return request(node.port, 'GET', `/control/shards/state?shardId=${shardId}`, { 'x-mesh-scope': 'mesh.read' });
}

export function request(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
