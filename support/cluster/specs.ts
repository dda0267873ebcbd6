// What each container of a topology is told at start: pure functions of the topology, shared by the
// fixture and the benchmark's bare-Docker baseline so both start exactly the same cluster.
import type { EtcdMemberSpec, Topology, TopologyNode } from '../../topologies';
import { RELAY_GOSSIP_PORT, RELAY_HTTP_PORT } from './ports';
import { PROXY_ALIAS, peerRoutesFor, planPeerLinks } from './peer-links';
import { shardIdsOf } from './shard-seeds';

/**
 * etcd's data lives on a tmpfs: fast, and gone with the container. etcd preallocates a 64 MB WAL segment
 * next to its db, so anything near 64 MB fails intermittently with "no space left on device"; tmpfs
 * pages are only used as written, so a roomy limit costs nothing.
 */
export const ETCD_DATA_TMPFS = { '/data': 'rw,size=512m' } as const;

export function etcdCommand(topology: Topology, member: EtcdMemberSpec, clusterToken: string): string[] {
  const cluster = topology.etcd.map((m) => `${m.id}=http://${m.id}:2380`).join(',');
  return [
    '/usr/local/bin/etcd',
    `--name=${member.id}`,
    '--data-dir=/data',
    '--listen-client-urls=http://0.0.0.0:2379',
    `--advertise-client-urls=http://${member.id}:2379`,
    '--listen-peer-urls=http://0.0.0.0:2380',
    `--initial-advertise-peer-urls=http://${member.id}:2380`,
    `--initial-cluster=${cluster}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${topology.clusterId}-${clusterToken}`,
    `--heartbeat-interval=${topology.timers.etcdHeartbeatMs}`,
    `--election-timeout=${topology.timers.etcdElectionMs}`,
    '--logger=zap',
  ];
}

/** Seeds: the first node of each region; everyone else is learnt through gossip. */
export function seedsFor(topology: Topology, self: TopologyNode): string {
  const firsts = topology.regions.map((r) => topology.nodes.find((n) => n.region === r)).filter((n): n is TopologyNode => !!n);
  return firsts
    .filter((n) => n.id !== self.id)
    .map((n) => `${n.id}@${n.id}:${RELAY_GOSSIP_PORT}`)
    .join(',');
}

/** etcd endpoints with the node's own region first, as a region-aware client would order them. */
export function etcdEndpointsFor(topology: Topology, self: TopologyNode): string {
  const ordered = [...topology.etcd].sort((a, b) => Number(b.region === self.region) - Number(a.region === self.region));
  return ordered.map((m) => `http://${m.id}:2379`).join(',');
}

export interface RelayNodeEnvOptions {
  readonly bootstrapUrl: string;
  readonly bootstrapToken: string;
  readonly defect?: { readonly name: string; readonly nodes?: readonly string[] };
  /** Where the node exports its spans (RELAY_OTLP_ENDPOINT); unset: no tracing. */
  readonly otlpEndpoint?: string;
}

/** relay-node's environment contract (docker/relay-node/README.md), filled from the topology. */
export function relayNodeEnv(topology: Topology, node: TopologyNode, opts: RelayNodeEnvOptions): Record<string, string> {
  const t = topology.timers;
  const env: Record<string, string> = {
    RELAY_NODE_ID: node.id,
    RELAY_CLUSTER_ID: topology.clusterId,
    RELAY_REGION: node.region,
    RELAY_ROLE: node.role,
    RELAY_MODE: node.mode,
    RELAY_ELIGIBLE_SCOPES: node.eligible.join(','),
    RELAY_HTTP_PORT: String(RELAY_HTTP_PORT),
    RELAY_GOSSIP_PORT: String(RELAY_GOSSIP_PORT),
    RELAY_ADVERTISE_HOST: node.id,
    RELAY_SEED_PEERS: seedsFor(topology, node),
    RELAY_ETCD_ENDPOINTS: etcdEndpointsFor(topology, node),
    RELAY_BOOTSTRAP_URL: opts.bootstrapUrl,
    RELAY_BOOTSTRAP_TOKEN: opts.bootstrapToken,
    RELAY_LEASE_TTL_MS: String(t.leaseTtlMs),
    RELAY_ELECTION_INTERVAL_MS: String(t.electionIntervalMs),
    RELAY_GOSSIP_INTERVAL_MS: String(t.gossipIntervalMs),
    RELAY_GOSSIP_FANOUT: String(t.gossipFanout),
    RELAY_SUSPICION_MS: String(t.suspicionMs),
    RELAY_LEFT_MS: String(t.leftMs),
    RELAY_FORWARD_TIMEOUT_MS: String(t.forwardTimeoutMs),
    RELAY_SHARD_NAMESPACE: topology.shards.namespace,
    RELAY_SHARD_IDS: shardIdsOf(topology.shards.namespace).join(','),
    RELAY_SHARD_STRATEGY: topology.shards.strategy,
    RELAY_SHARD_REPLICAS: String(topology.shards.replicas),
    RELAY_SHARD_QPS_BUDGET: String(topology.shards.qpsBudget),
    RELAY_NODE_QPS_BUDGET: String(topology.shards.nodeQpsBudget),
    // The map is re-read a few times per election interval, so routing follows a move promptly.
    RELAY_SHARD_MAP_POLL_MS: String(Math.max(50, Math.min(200, t.electionIntervalMs))),
  };
  const routes = peerRoutesFor(planPeerLinks(topology), node.id, PROXY_ALIAS);
  if (routes) env.RELAY_PEER_ROUTES = routes;
  if (opts.otlpEndpoint) env.RELAY_OTLP_ENDPOINT = opts.otlpEndpoint;
  const defect = opts.defect;
  if (defect && (!defect.nodes || defect.nodes.includes(node.id))) env.RELAY_DEFECT = defect.name;
  return env;
}
