// The environment contract. Every variable is documented in ../README.md; a bad value stops the
// node at start with a message naming the variable (exit 2), never a half-configured node.
import { type DefectName, parseDefects } from './defects';
import { type LogLevel, isLogLevel } from './log';
import { type PeerRoutes, parsePeerRoutes } from './rpc/peer-routes';

export interface SeedPeer {
  nodeId: string;
  host: string;
  port: number;
}

/** OmniRelay's deployment modes, reported as introspect `mode`. */
export const RELAY_MODES = ['InProc', 'Sidecar', 'Edge'] as const;
export type RelayMode = (typeof RELAY_MODES)[number];

export interface RelayConfig {
  nodeId: string;
  mode: RelayMode;
  clusterId: string;
  region: string;
  role: string;
  eligibleScopes: readonly string[];
  httpPort: number;
  gossipPort: number;
  advertiseHost: string;
  seedPeers: readonly SeedPeer[];
  /** Dial `via` instead of `host:port` (RELAY_PEER_ROUTES): paths a test topology sends through a fault proxy. */
  peerRoutes: PeerRoutes;
  etcdEndpoints: readonly string[];
  bootstrapUrl: string | undefined;
  bootstrapToken: string | undefined;
  leaseTtlMs: number;
  /** A node eligible for its region and `global-control` campaigns for the latter only after it was vacant this long. */
  globalStandbyMs: number;
  /** Timeout of a call forwarded to the global leader (sequence::next, global::echo). */
  forwardTimeoutMs: number;
  electionIntervalMs: number;
  gossipIntervalMs: number;
  /**
   * How long one gossip exchange may wait on its peer (socket idle time) before it counts as failed. Not
   * the round interval: a link slower than one round (regions far apart) must still complete exchanges.
   */
  gossipTimeoutMs: number;
  gossipFanout: number;
  suspicionMs: number;
  leftMs: number;
  meshVersion: string;
  defects: ReadonlySet<DefectName>;
  logLevel: LogLevel;
  shards: ShardConfig;
  /** Base URL of an OTLP/HTTP receiver (RELAY_OTLP_ENDPOINT); spans go to `<base>/v1/traces`. Undefined: no tracing. */
  otlpEndpoint: string | undefined;
  /** Calls per second this node admits as the serving owner, all shards together (RELAY_NODE_QPS_BUDGET; 0: off). */
  nodeQpsBudget: number;
  /** Geo-affinity routing: a region whose latency estimate passes `degradedMs` is avoided; probes every `probeMs`. */
  geo: { degradedMs: number; probeMs: number };
}

/** Shard settings (RELAY_SHARD_*); the map itself is computed by the global leader. */
export interface ShardConfig {
  namespace: string;
  /** Fixed shard ids (the suite passes seeds/shards/<namespace>.json). */
  ids: readonly string[];
  strategyId: string;
  /** Synchronous copies besides the owner. */
  replicas: number;
  /** Per-shard calls per second before the owner delays calls and the leader moves the shard (0: off). */
  qpsBudget: number;
  mapPollMs: number;
  handoverTimeoutMs: number;
  replicationTimeoutMs: number;
  rebalanceCooldownMs: number;
  /** Where evicted entities are written (RELAY_ENTITY_DIR), emptied at start. */
  entityDir: string;
  /** Key-value entities kept in memory per shard, least recently used evicted beyond it (RELAY_ENTITIES_RESIDENT_MAX; 0: no limit). */
  residentMax: number;
  /** The cluster singleton task's key: the owner of its shard runs it (RELAY_SINGLETON_KEY; `off`: no task). */
  singletonKey: string | undefined;
}

export const DEFAULT_SHARD_IDS: readonly string[] = Array.from({ length: 64 }, (_, i) => `shard-${String(i).padStart(2, '0')}`);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const NODE_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

/** RELAY_LEASE_TTL_MS when unset (seeded defect lease-ttl-floor grants at least this). */
export const DEFAULT_LEASE_TTL_MS = 8000;

export function loadConfig(env: Env): RelayConfig {
  const nodeId = text(env, 'RELAY_NODE_ID');
  if (nodeId === undefined) {
    throw new ConfigError("RELAY_NODE_ID is required (the node's id; also its certificate SAN and gossip identity)");
  }
  if (!NODE_ID.test(nodeId)) {
    throw new ConfigError(`RELAY_NODE_ID must be DNS-safe ([A-Za-z0-9._-]), got ${JSON.stringify(nodeId)}`);
  }

  const bootstrapUrl = text(env, 'RELAY_BOOTSTRAP_URL');
  const bootstrapToken = text(env, 'RELAY_BOOTSTRAP_TOKEN');
  if (bootstrapUrl !== undefined) {
    url('RELAY_BOOTSTRAP_URL', bootstrapUrl);
    if (bootstrapToken === undefined) throw new ConfigError('RELAY_BOOTSTRAP_TOKEN is required when RELAY_BOOTSTRAP_URL is set');
  }

  const suspicionMs = integer(env, 'RELAY_SUSPICION_MS', 5000, 1);
  const gossipIntervalMs = integer(env, 'RELAY_GOSSIP_INTERVAL_MS', 1000, 10);
  const leftMs = integer(env, 'RELAY_LEFT_MS', 11000, 1);
  if (leftMs <= suspicionMs) {
    throw new ConfigError(`RELAY_LEFT_MS (${leftMs}) must be greater than RELAY_SUSPICION_MS (${suspicionMs})`);
  }

  let defects: ReadonlySet<DefectName>;
  try {
    defects = parseDefects(env.RELAY_DEFECT);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }

  const leaseTtlMs = integer(env, 'RELAY_LEASE_TTL_MS', DEFAULT_LEASE_TTL_MS, 1);

  const mode = text(env, 'RELAY_MODE') ?? 'InProc';
  if (!isRelayMode(mode)) throw new ConfigError(`RELAY_MODE must be ${RELAY_MODES.join(', ')}, got ${JSON.stringify(mode)}`);

  const logLevel = text(env, 'RELAY_LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError(`RELAY_LOG_LEVEL must be debug, info, warn or error, got ${JSON.stringify(logLevel)}`);

  return {
    nodeId,
    mode,
    clusterId: text(env, 'RELAY_CLUSTER_ID') ?? 'omnirelay',
    region: text(env, 'RELAY_REGION') ?? 'default',
    role: text(env, 'RELAY_ROLE') ?? '',
    eligibleScopes: scopes(env),
    httpPort: integer(env, 'RELAY_HTTP_PORT', 8080, 1, 65535),
    gossipPort: integer(env, 'RELAY_GOSSIP_PORT', 17421, 1, 65535),
    advertiseHost: text(env, 'RELAY_ADVERTISE_HOST') ?? nodeId,
    seedPeers: seeds(env, nodeId),
    peerRoutes: peerRoutes(env),
    etcdEndpoints: list(env, 'RELAY_ETCD_ENDPOINTS').map((endpoint) => url('RELAY_ETCD_ENDPOINTS', endpoint).replace(/\/+$/, '')),
    bootstrapUrl: bootstrapUrl?.replace(/\/+$/, ''),
    bootstrapToken,
    leaseTtlMs,
    // Default: the lease TTL as etcd applies it (whole seconds), so a regional leader waits one TTL.
    globalStandbyMs: integer(env, 'RELAY_GLOBAL_STANDBY_MS', leaseTtlSeconds({ leaseTtlMs }) * 1000, 0),
    forwardTimeoutMs: integer(env, 'RELAY_FORWARD_TIMEOUT_MS', 2000, 50),
    electionIntervalMs: integer(env, 'RELAY_ELECTION_INTERVAL_MS', 750, 10),
    gossipIntervalMs,
    gossipTimeoutMs: integer(env, 'RELAY_GOSSIP_TIMEOUT_MS', Math.max(1000, gossipIntervalMs), 10),
    gossipFanout: integer(env, 'RELAY_GOSSIP_FANOUT', 3, 1),
    suspicionMs,
    leftMs,
    meshVersion: text(env, 'RELAY_MESH_VERSION') ?? '0.1.0',
    defects,
    logLevel,
    shards: shardConfig(env),
    otlpEndpoint: otlpEndpoint(env),
    nodeQpsBudget: integer(env, 'RELAY_NODE_QPS_BUDGET', 0, 0),
    geo: { degradedMs: integer(env, 'RELAY_GEO_DEGRADED_MS', 250, 1), probeMs: integer(env, 'RELAY_GEO_PROBE_MS', 500, 10) },
  };
}

function peerRoutes(env: Env): PeerRoutes {
  try {
    return parsePeerRoutes(env.RELAY_PEER_ROUTES);
  } catch (error) {
    throw new ConfigError(`RELAY_PEER_ROUTES: ${(error as Error).message}`);
  }
}

function otlpEndpoint(env: Env): string | undefined {
  const value = text(env, 'RELAY_OTLP_ENDPOINT');
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError(
      `RELAY_OTLP_ENDPOINT must be the base http(s) URL of an OTLP/HTTP receiver, e.g. http://otlp-receiver:4318, got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
}

function shardConfig(env: Env): ShardConfig {
  const ids = list(env, 'RELAY_SHARD_IDS');
  for (const id of ids) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new ConfigError(`RELAY_SHARD_IDS: invalid shard id ${JSON.stringify(id)} (letters, digits, . _ -)`);
  }
  if (new Set(ids).size !== ids.length) throw new ConfigError('RELAY_SHARD_IDS: shard ids must be unique');
  const strategyId = text(env, 'RELAY_SHARD_STRATEGY') ?? 'rendezvous';
  if (!['ring', 'rendezvous', 'locality'].includes(strategyId))
    throw new ConfigError(`RELAY_SHARD_STRATEGY must be ring, rendezvous or locality, got ${JSON.stringify(strategyId)}`);
  return {
    namespace: text(env, 'RELAY_SHARD_NAMESPACE') ?? 'mesh.control',
    ids: ids.length > 0 ? ids : DEFAULT_SHARD_IDS,
    strategyId,
    replicas: integer(env, 'RELAY_SHARD_REPLICAS', 2, 0, 16),
    qpsBudget: integer(env, 'RELAY_SHARD_QPS_BUDGET', 0, 0),
    mapPollMs: integer(env, 'RELAY_SHARD_MAP_POLL_MS', 200, 10),
    handoverTimeoutMs: integer(env, 'RELAY_HANDOVER_TIMEOUT_MS', 3000, 50),
    replicationTimeoutMs: integer(env, 'RELAY_REPLICATION_TIMEOUT_MS', 1000, 50),
    rebalanceCooldownMs: integer(env, 'RELAY_REBALANCE_COOLDOWN_MS', 10000, 0),
    entityDir: text(env, 'RELAY_ENTITY_DIR') ?? '/tmp/relay-entities',
    residentMax: integer(env, 'RELAY_ENTITIES_RESIDENT_MAX', 0, 0),
    singletonKey: singletonKey(env),
  };
}

function singletonKey(env: Env): string | undefined {
  const key = text(env, 'RELAY_SINGLETON_KEY') ?? 'singleton/heartbeat';
  return key === 'off' ? undefined : key;
}

/** etcd TTLs are whole seconds, and etcd refuses leases shorter than about 2 s. */
export function leaseTtlSeconds(config: Pick<RelayConfig, 'leaseTtlMs'>): number {
  return Math.max(2, Math.ceil(config.leaseTtlMs / 1000));
}

/**
 * Jitter added to each election evaluation: 25–125 ms at the default 750 ms, scaled down in
 * proportion for shorter intervals so that a 150 ms test interval is not dominated by jitter.
 */
export function electionJitterRange(intervalMs: number): { minMs: number; maxMs: number } {
  const scale = Math.min(1, intervalMs / 750);
  return { minMs: 25 * scale, maxMs: 125 * scale };
}

function isRelayMode(value: string): value is RelayMode {
  return (RELAY_MODES as readonly string[]).includes(value);
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function url(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must contain absolute http(s) URLs, got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http or https, got ${JSON.stringify(value)}`);
  }
  return value;
}

function scopes(env: Env): string[] {
  const values = list(env, 'RELAY_ELIGIBLE_SCOPES');
  for (const scope of values) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(scope) || scope.includes('//') || scope.endsWith('/')) {
      throw new ConfigError(`RELAY_ELIGIBLE_SCOPES: invalid scope ${JSON.stringify(scope)} (e.g. global-control, region/east)`);
    }
  }
  return [...new Set(values)];
}

/** `nodeId@host:port`, comma separated; the node's own id is dropped so one list fits all nodes. */
function seeds(env: Env, selfId: string): SeedPeer[] {
  const result: SeedPeer[] = [];
  for (const entry of list(env, 'RELAY_SEED_PEERS')) {
    const match = /^([^@\s]+)@(.+):(\d+)$/.exec(entry);
    const port = match ? Number(match[3]) : NaN;
    if (!match || !match[1] || !match[2] || !NODE_ID.test(match[1]) || !(port >= 1 && port <= 65535)) {
      throw new ConfigError(`RELAY_SEED_PEERS: expected nodeId@host:port, got ${JSON.stringify(entry)}`);
    }
    const host = match[2].replace(/^\[(.*)\]$/, '$1');
    if (match[1] !== selfId) result.push({ nodeId: match[1], host, port });
  }
  return result;
}
