// GET /omnirelay/introspect: OmniRelay's DispatcherIntrospection (enums as strings), plus the
// `mesh` extension object announced by feature:mesh-roles.
import type { RelayConfig } from '../config';
import type { ProcedureRegistry } from '../rpc/procedures';
import type { NodeState } from '../state';

export const SERVICE_NAME = 'relay-node';

/** Extensions this host implements; scenarios needing one are skipped against hosts without it. */
export const CAPABILITIES = [
  'feature:http',
  'feature:mesh-roles',
  'feature:mesh-regional-leaders',
  'feature:mesh-promotion',
  'feature:mesh-sequence',
  'feature:mesh-entities',
  'feature:mesh-replicas',
  'feature:mesh-rebalance',
  'feature:mesh-cert-renewal',
  'feature:mesh-clock-skew',
  'feature:mesh-shard-telemetry',
  'feature:mesh-backpressure',
  'feature:mesh-geo-affinity',
  'feature:mesh-kv-cas',
  'feature:mesh-entity-traits',
  'feature:mesh-timers',
  'feature:mesh-workflows',
  'feature:mesh-entity-calls',
  'feature:mesh-singleton',
] as const;

export interface IntrospectionDeps {
  config: RelayConfig;
  registry: ProcedureRegistry;
  state: NodeState;
}

export function buildIntrospection({ config, registry, state }: IntrospectionDeps): unknown {
  const gossip = config.bootstrapUrl !== undefined;
  const leadership = config.etcdEndpoints.length > 0;
  return {
    service: SERVICE_NAME,
    status: state.status,
    mode: config.mode,
    capabilities: [...CAPABILITIES],
    procedures: {
      unary: registry.list().map((p) => ({ name: p.name, ...(p.encoding ? { encoding: p.encoding } : {}), aliases: [...p.aliases] })),
      oneway: [],
      stream: [],
      clientStream: [],
      duplex: [],
    },
    components: [
      { name: 'http-inbound', componentType: 'RelayNode.HttpInbound', dependencies: [] },
      ...(gossip
        ? [
            { name: 'tls-enrollment', componentType: 'RelayNode.BootstrapEnrollment', dependencies: [] },
            { name: 'mesh-gossip', componentType: 'RelayNode.GossipAgent', dependencies: ['tls-enrollment'] },
          ]
        : []),
      ...(leadership ? [{ name: 'leadership', componentType: 'RelayNode.EtcdLeadership', dependencies: ['etcd'] }] : []),
    ],
    outbounds: [],
    middleware: {
      inboundUnary: [],
      inboundOneway: [],
      inboundStream: [],
      inboundClientStream: [],
      inboundDuplex: [],
      outboundUnary: [],
      outboundOneway: [],
      outboundStream: [],
      outboundClientStream: [],
      outboundDuplex: [],
    },
    mesh: {
      nodeId: config.nodeId,
      region: config.region,
      role: config.role,
      clusterId: config.clusterId,
      eligibleScopes: [...config.eligibleScopes],
    },
  };
}
