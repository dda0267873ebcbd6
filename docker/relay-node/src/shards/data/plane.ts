// The shard data plane of one node, wired from its parts: replication (stores, ownership, log),
// handover, the router hook for the RPC inbound, the /mesh/shards and /control/shards/{load,state}
// routes, the sharded procedures, and the drain hook. main.ts needs only this factory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RelayConfig } from '../../config';
import type { MembershipTable } from '../../gossip/membership';
import type { Route } from '../../http/routes';
import type { Logger } from '../../log';
import type { RelayMetrics } from '../../metrics';
import type { ProcedureRegistry } from '../../rpc/procedures';
import type { NodeState } from '../../state';
import { Backpressure } from '../../backpressure/service';
import { pressureRoutes } from '../../backpressure/routes';
import type { ShardLoadReport, ShardMapView } from '../types';
import { join } from 'node:path';
import { QpsMeter, ShardBudget } from './budget';
import { FileColdStore } from './cold-store';
import { TimerService } from './timers';
import { WorkflowService } from './workflows';
import { SINGLETON_PATH, SingletonService } from './singleton';
import { MESH_READ } from '../../http/routes';
import { writeJson } from '../../http/respond';
import { Handover } from './handover';
import { createShardProcedures, registerShardProcedures, type ShardProcedure } from './procedures';
import { createShardMetrics, Replication } from './replication';
import { createShardRouter, InFlightCalls, shardForKey, writeJsonSuccess } from './router';
import { shardDataRoutes } from './routes';

export interface ShardDataPlaneDeps {
  config: RelayConfig;
  table: MembershipTable;
  metrics: RelayMetrics;
  log: Logger;
  state: NodeState;
  view: ShardMapView;
  /** When given, `echo` and the shard procedures are registered on it (replacing the node-local counters). */
  registry?: ProcedureRegistry;
  /** Whether this node holds global-control (it then records pressure episodes); default never. */
  isLeader?: () => boolean;
}

export interface ShardDataPlane {
  /** The inbound's `shardRoute` hook: "served" here, "forwarded" to the owner, "refused", or undefined (not a shard call). */
  shardRoute: (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<'served' | 'forwarded' | 'refused' | undefined>;
  routes: Route[];
  /** Called by the drain half when this node starts draining. */
  onDrain: () => void;
  stop: () => void;
  /** Shard of a key (configured id, else XXH64 of the key onto the ids). */
  shardOf: (key: string) => string;
  replication: Replication;
  procedures: ReadonlyMap<string, ShardProcedure>;
  load: () => ShardLoadReport;
  /** Budgets, pressure state, gossip label, ingress throttle (docs/backpressure.md). */
  pressure: Backpressure;
}

export function createShardDataPlane(deps: ShardDataPlaneDeps): ShardDataPlane {
  const { config, table, view } = deps;
  const shards = config.shards;
  const log = deps.log.child({ component: 'shards' });
  const metrics = createShardMetrics(deps.metrics.registry);
  const replication = new Replication({
    nodeId: config.nodeId,
    namespace: shards.namespace,
    httpPort: config.httpPort,
    replicationTimeoutMs: shards.replicationTimeoutMs,
    table,
    view,
    metrics,
    log,
    defects: config.defects,
    storeOptions: (shardId) => ({
      cold: new FileColdStore(join(shards.entityDir, config.nodeId, encodeURIComponent(shards.namespace), shardId)),
      ...(shards.residentMax > 0 ? { maxResident: shards.residentMax } : {}),
    }),
  });
  // Entities in memory and in the cold store, and reloads from it, summed over the shards held here.
  const entities = deps.metrics.registry.gauge('mesh_entities', 'Key-value entities held on this node, by where (resident|evicted).');
  const reloads = deps.metrics.registry.counter('mesh_entity_reloads_total', 'Evicted entities loaded back into memory when touched.');
  let reloadsSeen = 0;
  deps.metrics.registry.onCollect(() => {
    const stores = replication.knownShards().map((id) => replication.slot(id).store);
    const sum = (f: (s: (typeof stores)[number]) => number) => stores.reduce((n, s) => n + f(s), 0);
    entities.replace([
      [{ mesh_where: 'resident' }, sum((s) => s.residentCount)],
      [{ mesh_where: 'evicted' }, sum((s) => s.evictedCount)],
    ]);
    const total = sum((s) => s.reloads);
    if (total > reloadsSeen) reloads.inc({}, total - reloadsSeen);
    reloadsSeen = total;
  });
  const inflight = new InFlightCalls();
  // Seeded defect drop-inflight-on-move: the calls running for a shard that is moving away (from the
  // start of its handover, or when a new map takes it away) are cut off instead of finishing.
  const dropInFlight = (shardId: string): void => {
    if (!config.defects.has('drop-inflight-on-move')) return;
    const calls = inflight.forShard(shardId);
    if (calls.length > 0) log.warn('drop-inflight-on-move: destroying calls in flight', { shardId, calls: calls.length });
    for (const call of calls) {
      call.abort.abort();
      call.res.socket?.destroy();
      call.res.destroy();
    }
  };
  const handover = new Handover({
    onHandoverStart: dropInFlight,
    nodeId: config.nodeId,
    namespace: shards.namespace,
    httpPort: config.httpPort,
    handoverTimeoutMs: shards.handoverTimeoutMs,
    table,
    view,
    replication,
    log,
    defects: config.defects,
  });
  const budget = new ShardBudget(shards.qpsBudget);
  const meter = new QpsMeter();
  const pressure = new Backpressure({
    nodeId: config.nodeId,
    region: config.region,
    shardBudget: budget,
    nodeQps: config.nodeQpsBudget,
    table,
    metrics: deps.metrics,
    log: deps.log.child({ component: 'backpressure' }),
    defects: config.defects,
    isLeader: deps.isLeader ?? (() => false),
  });
  pressure.start();
  const shardOf = (key: string): string => shardForKey(key, shards.ids);
  const timers = new TimerService({ nodeId: config.nodeId, replication, log: log.child({ component: 'timers' }), defects: config.defects });
  timers.start();
  const callTimeoutMs = config.forwardTimeoutMs + 2000 + shards.handoverTimeoutMs + 2 * shards.replicationTimeoutMs;
  const workflows = new WorkflowService({
    nodeId: config.nodeId,
    httpPort: config.httpPort,
    callTimeoutMs,
    replication,
    log: log.child({ component: 'workflows' }),
    defects: config.defects,
  });
  workflows.start();
  const procedures = createShardProcedures({
    nodeId: config.nodeId,
    singletonKey: shards.singletonKey,
    timers,
    workflows,
    httpPort: config.httpPort,
    callTimeoutMs,
    replication,
    defects: config.defects,
  });
  if (deps.registry) registerShardProcedures(deps.registry, procedures, shardOf);
  replication.onMovedAway(dropInFlight);

  const route = createShardRouter({
    nodeId: config.nodeId,
    ids: shards.ids,
    httpPort: config.httpPort,
    forwardTimeoutMs: config.forwardTimeoutMs,
    handoverTimeoutMs: shards.handoverTimeoutMs,
    replicationTimeoutMs: shards.replicationTimeoutMs,
    table,
    view,
    replication,
    handover,
    pressure,
    meter,
    inflight,
    procedures,
    metrics,
    log,
    defects: config.defects,
  });

  const load = (): ShardLoadReport => {
    const rows: ShardLoadReport['shards'] = [];
    let totalQps = 0;
    for (const shardId of shards.ids) {
      const role = replication.role(shardId);
      if (role === 'none') continue;
      // Demand: arrivals in the last second plus the calls queued on the budget (see ShardBudget.queued).
      const qps = meter.rate(shardId) + budget.queued(shardId);
      if (role === 'owner') totalQps += qps;
      rows.push({ shardId, qps, inFlight: inflight.count(shardId), role });
    }
    return { nodeId: config.nodeId, budgetQps: shards.qpsBudget, totalQps, shards: rows };
  };

  const singleton =
    shards.singletonKey === undefined
      ? undefined
      : new SingletonService({
          nodeId: config.nodeId,
          key: shards.singletonKey,
          shardOf,
          replication,
          log: log.child({ component: 'singleton' }),
          defects: config.defects,
        });
  singleton?.start();

  const routes = [
    {
      method: 'GET',
      path: SINGLETON_PATH,
      scopes: MESH_READ,
      handle: (_req, res) => writeJson(res, 200, singleton ? { ...singleton.status() } : { nodeId: config.nodeId, running: false, off: true }),
    } satisfies Route,
    ...shardDataRoutes({ nodeId: config.nodeId, namespace: shards.namespace, ids: shards.ids, replication, handover, load }),
    ...pressureRoutes(() => pressure.report()),
  ];

  const onDrain = (): void => {
    if (config.defects.has('drain-hands-over-early-snapshot')) handover.snapshotServedShards();
    if (!config.defects.has('drain-acks-inflight')) return; // in-flight calls finish; new ones get 503
    // Seeded defect: answer every write in flight as if done, and abandon it (it is never applied).
    for (const tracked of inflight.calls) {
      const { procedure, call } = tracked;
      if (!procedure?.write || !call?.ticket || tracked.res.headersSent) continue;
      const store = replication.slot(call.shardId).store;
      tracked.abort.abort();
      writeJsonSuccess(tracked.req, tracked.res, procedure.plausible?.(call, store) ?? {});
      log.warn('drain-acks-inflight: acknowledged an in-flight write without applying it', { shardId: call.shardId, procedure: procedure.name });
    }
  };

  return {
    shardRoute: async (req, res, procedure) => {
      const result = await route(req, res, procedure);
      return result;
    },
    routes,
    onDrain,
    stop: () => {
      timers.stop();
      singleton?.stop();
      workflows.stop();
      handover.stop();
      pressure.stop();
    },
    shardOf,
    replication,
    procedures,
    load,
    pressure,
  };
}
