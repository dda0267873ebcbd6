// The control half of shards, wired in one call from main.ts: the cached map view every node
// serves from, the leader loop (acting only while this node holds global-control), drain, routes.
import type { Tracer } from '@opentelemetry/api';
import type { RelayConfig } from '../../config';
import type { MembershipTable } from '../../gossip/membership';
import type { Route } from '../../http/routes';
import type { EtcdClient } from '../../leadership/etcd-client';
import type { Logger } from '../../log';
import type { RelayMetrics } from '../../metrics';
import type { NodeState } from '../../state';
import type { ShardMapView } from '../types';
import { DrainController } from './drain';
import { type NodeCaller, ShardLeader } from './leader';
import { ShardMapCache } from './map-cache';
import { ShardMapStore } from './map-store';
import { shardControlRoutes } from './routes';

export interface ShardControlDeps {
  config: RelayConfig;
  table: MembershipTable;
  metrics: RelayMetrics;
  log: Logger;
  state: NodeState;
  /** Undefined when RELAY_ETCD_ENDPOINTS is empty: no map, no leader; drain and routes still answer. */
  etcd: EtcdClient | undefined;
  /** The `global-control` holder as this node observes it (rebalance forwarding; isLeader's default). */
  leaderId: () => string | undefined;
  isLeader?: () => boolean;
  /** Data plane hook run when a drain starts (and onResume when it is undone). */
  onDrain?: () => void | Promise<void>;
  onResume?: () => void | Promise<void>;
  /** Brings gossip statuses up to date before the leader reads eligibility (e.g. () => gossip.sweep()). */
  sweepGossip?: () => void;
  /** Tests: replaces the leader's HTTP calls to nodes (handover, load). */
  call?: NodeCaller;
  /** `mesh.shard.move` spans from the leader, when tracing is on. */
  tracer?: Tracer;
}

export interface ShardControl {
  view: ShardMapView;
  cache: ShardMapCache;
  store: ShardMapStore | undefined;
  routes: Route[];
  leader: ShardLeader | undefined;
  drain: DrainController;
  start(): void;
  stop(): void;
}

export function createShardControl(deps: ShardControlDeps): ShardControl {
  const { config, table, metrics, state } = deps;
  const log = deps.log.child({ component: 'shards-control' });
  const isLeader = deps.isLeader ?? (() => deps.leaderId() === config.nodeId);
  const store = deps.etcd ? new ShardMapStore(deps.etcd, config.shards.namespace) : undefined;
  const cache = new ShardMapCache({
    store,
    pollMs: config.shards.mapPollMs,
    nodeId: config.nodeId,
    defects: config.defects,
    log,
  });
  const leader = store
    ? new ShardLeader({
        nodeId: config.nodeId,
        httpPort: config.httpPort,
        electionIntervalMs: config.electionIntervalMs,
        shards: config.shards,
        table,
        store,
        cache,
        registry: metrics.registry,
        log,
        isLeader,
        ...(deps.call ? { call: deps.call } : {}),
        ...(deps.tracer ? { tracer: deps.tracer } : {}),
        ...(deps.sweepGossip ? { sweep: deps.sweepGossip } : {}),
      })
    : undefined;
  const drain = new DrainController({
    nodeId: config.nodeId,
    state,
    table,
    view: cache,
    log,
    ...(deps.onDrain ? { onDrain: deps.onDrain } : {}),
    ...(deps.onResume ? { onResume: deps.onResume } : {}),
  });
  const routes = shardControlRoutes({
    nodeId: config.nodeId,
    namespace: config.shards.namespace,
    shardIds: config.shards.ids,
    replicas: config.shards.replicas,
    httpPort: config.httpPort,
    forwardTimeoutMs: config.forwardTimeoutMs,
    handoverTimeoutMs: config.shards.handoverTimeoutMs,
    view: cache,
    store,
    leader,
    isLeader,
    leaderId: deps.leaderId,
    table,
    drain,
    log,
  });
  return {
    view: cache,
    cache,
    store,
    routes,
    leader,
    drain,
    start() {
      cache.start();
      leader?.start();
    },
    stop() {
      leader?.stop();
      cache.stop();
      drain.stop();
    },
  };
}
