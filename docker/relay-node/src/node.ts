// One relay node wired from its parts: the composition main.ts runs and the in-process tests build
// (shards/data/test-harness.ts). Start order: HTTP first (probes must answer from the first
// second), then leadership against etcd, shard control and geo probes, then enrollment and gossip.
import { createServer, type Server } from 'node:http';
import { electionJitterRange, leaseTtlSeconds, type RelayConfig } from './config';
import { GeoRouter } from './geo/router';
import { GossipAgent } from './gossip/agent';
import { MembershipTable } from './gossip/membership';
import { startEnrolledGossip, Wake } from './gossip/enrolled-start';
import type { RouteTable } from './http/routes';
import { createHttpServer } from './http/server';
import { EtcdClient } from './leadership/etcd-client';
import { LeadershipEvents } from './leadership/events';
import { LeadershipService } from './leadership/leadership';
import { dedicatedGlobalIn } from './leadership/campaign-rules';
import { EtcdLeaseStore } from './leadership/lease-store';
import { campaignScopes, GLOBAL_SCOPE, scopeKind, scopeKindName } from './leadership/scopes';
import { createLogger, errorMessage, type Logger } from './log';
import { RelayMetrics } from './metrics';
import { createGlobalForwarder, firstSeen, registerGlobalProcedures } from './rpc/global';
import { createRpcInbound } from './rpc/inbound';
import { createMisrouter, HTTP_ENDPOINT_LABEL } from './rpc/misroute';
import { ProcedureRegistry } from './rpc/procedures';
import { SequenceService } from './sequence/service';
import { createShardControl, type ShardControl } from './shards/control';
import { createShardDataPlane, type ShardDataPlane } from './shards/data/plane';
import type { ShardMapView } from './shards/types';
import { NodeState } from './state';
import { Enroller } from './tls/enroll';
import { createTracing, meshResourceAttributes } from './tracing';
import { clock } from './clock';
import { clockSkewHook, oneShot } from './http/chaos-hooks';

/** What a test replaces; main.ts passes only the start time. */
export interface NodeSeams {
  /** process_start_time_seconds (main.ts: reportedStartTime, which seeded defects may bend). */
  startTimeSeconds?: number;
  log?: Logger;
  /** A server already listening on config.httpPort; the node serves its requests. */
  server?: Server;
  /** The shard map the data plane serves from, instead of the cached etcd map. */
  view?: ShardMapView;
  /** Whether this node holds global-control, instead of asking leadership (which needs etcd). */
  isGlobalLeader?: () => boolean;
  /** Called when gossip cannot start at all (default: exit 1, so the engine restarts the node). */
  onFatal?: (error: unknown) => void;
}

export interface RelayNode {
  readonly config: RelayConfig;
  readonly log: Logger;
  readonly state: NodeState;
  readonly table: MembershipTable;
  readonly metrics: RelayMetrics;
  readonly server: Server;
  readonly plane: ShardDataPlane;
  readonly shards: ShardControl;
  readonly leadership: LeadershipService | undefined;
  /** Every HTTP route the node serves. */
  readonly routes: RouteTable;
  /** Listens (unless given a listening server), then starts every loop: the node is Running. */
  start(): Promise<void>;
  /** SIGTERM: drain, release every held lease, hand the shards over (bounded), stop, close. */
  shutdown(reason: string): Promise<void>;
  /** Stops every loop and closes the server now, without draining (tests). */
  close(): Promise<void>;
}

/** How long shutdown waits for the node's shards to be handed over before it leaves anyway. */
const SHUTDOWN_DRAIN_MS = 4000;

export function buildNode(config: RelayConfig, seams: NodeSeams = {}): RelayNode {
  const log = seams.log ?? createLogger({ node: config.nodeId }, config.logLevel);
  const metrics = new RelayMetrics({
    resource: meshResourceAttributes(config.nodeId, config.region),
    ...(seams.startTimeSeconds === undefined ? {} : { startTimeSeconds: seams.startTimeSeconds }),
  });
  // Spans (feature:mesh-shard-telemetry) over OTLP/HTTP, only with RELAY_OTLP_ENDPOINT.
  const tracing = createTracing({ endpoint: config.otlpEndpoint, nodeId: config.nodeId, region: config.region });
  const state = new NodeState({
    enrollment: config.bootstrapUrl !== undefined,
    etcd: config.etcdEndpoints.length > 0,
    etcdStaleMs: Math.max(3000, 3 * config.electionIntervalMs),
  });
  const scopes = campaignScopes(config.eligibleScopes, config.region, config.defects);
  logStart(log, config, scopes);

  const advertised = hostForEndpoint(config.advertiseHost);
  const table = new MembershipTable(
    {
      nodeId: config.nodeId,
      role: config.role,
      clusterId: config.clusterId,
      region: config.region,
      meshVersion: config.meshVersion,
      http3Support: false,
      endpoint: `${advertised}:${config.gossipPort}`,
      metadataVersion: 1,
      labels: { [HTTP_ENDPOINT_LABEL]: `${advertised}:${config.httpPort}` },
    },
    { suspicionMs: config.suspicionMs, leftMs: config.leftMs },
    config.defects,
  );
  metrics.registry.onCollect(() => {
    const counts = table.statusCounts();
    metrics.gossipMembers.replace(Object.entries(counts).map(([status, n]) => [{ mesh_status: status }, n]));
    metrics.gossipViewSize.set({}, table.peers().length);
  });

  const events = new LeadershipEvents(log.child({ component: 'leadership' }), metrics, tracing.tracer);
  const gossip = new GossipAgent({ config, table, metrics, log: log.child({ component: 'gossip' }), defects: config.defects });
  // Chaos hook `reenroll`: renew the certificate now (the suite's CA decides what it issues).
  const renewal = new Wake();

  let leadership: LeadershipService | undefined;
  let sequence: SequenceService | undefined;
  let etcd: EtcdClient | undefined;
  if (config.etcdEndpoints.length > 0) {
    etcd = new EtcdClient({
      endpoints: config.etcdEndpoints,
      timeoutMs: 1000,
      onResult: (operation, ok) => {
        if (ok) state.recordEtcdSuccess();
        metrics.etcdRequests.inc({ operation, outcome: ok ? 'success' : 'unavailable' });
      },
    });
    const store = new EtcdLeaseStore(etcd, config.nodeId, leaseTtlSeconds(config), { defects: config.defects });
    leadership = new LeadershipService(store, events, log.child({ component: 'leadership' }), {
      nodeId: config.nodeId,
      region: config.region,
      eligibleScopes: config.eligibleScopes,
      campaignScopes: scopes,
      ttlSeconds: leaseTtlSeconds(config),
      electionIntervalMs: config.electionIntervalMs,
      jitter: electionJitterRange(config.electionIntervalMs),
      globalStandbyMs: config.globalStandbyMs,
      defects: config.defects,
      metrics,
      canCampaign: () => !state.draining && state.selfAlive() && state.etcdReachable(),
      dedicatedGlobal: () => dedicatedGlobalIn(table.peers()),
      etcdLastOkMs: () => state.etcdLastOkAt,
    });
    sequence = new SequenceService(etcd, leadership, log.child({ component: 'sequence' }), config.defects);
  } else {
    log.warn('RELAY_ETCD_ENDPOINTS is empty: leadership is disabled');
  }
  metrics.registry.onCollect(() => {
    if (state.certificateExpiresAt) metrics.certificateExpiry.set({}, state.certificateExpiresAt.getTime() / 1000);
    if (!leadership) return;
    const service = leadership;
    const tokens = service.tokens();
    const scopes = [...new Set([...config.eligibleScopes, ...tokens.filter((t) => t.leaderId === config.nodeId).map((t) => t.scope)])];
    metrics.leadershipHeld.replace(
      scopes.map((scope) => [{ mesh_scope: scope, mesh_scope_kind: scopeKindName(scopeKind(scope)) }, service.holds(scope) ? 1 : 0]),
    );
    metrics.leadershipTerm.replace(tokens.map((t) => [{ mesh_scope: t.scope, mesh_leader: t.leaderId }, t.term]));
  });
  const globalHolder = () => leadership?.tokens(GLOBAL_SCOPE)[0];
  const isGlobalLeader = seams.isGlobalLeader ?? (() => globalHolder()?.leaderId === config.nodeId);

  const registry = new ProcedureRegistry();
  // Shards: the map (computed by the global leader, cached here) and the data plane (replicated
  // test entities, forwarding to owners, handover). The data plane registers echo and the entities.
  // eslint-disable-next-line prefer-const -- assigned below: the shard control and the data plane refer to each other
  let plane: ShardDataPlane | undefined;
  const shards = createShardControl({
    config,
    table,
    metrics,
    log: log.child({ component: 'shards' }),
    state,
    etcd,
    leaderId: () => globalHolder()?.leaderId,
    onDrain: () => plane?.onDrain(),
    sweepGossip: () => gossip.sweep(),
    ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
  });
  plane = createShardDataPlane({
    config,
    table,
    metrics,
    log: log.child({ component: 'shard-data' }),
    state,
    view: seams.view ?? shards.view,
    registry,
    // The global-control holder records pressure episodes (GET /control/pressure `recorded`).
    isLeader: isGlobalLeader,
  });
  registerGlobalProcedures(registry, () => sequence);
  const rpcLog = log.child({ component: 'rpc' });
  // Seeded defect forward-to-first-leader: look every election interval until a holder is seen, then never again.
  const stickyHolder = firstSeen(globalHolder);
  const stickyTimer = config.defects.has('forward-to-first-leader') ? setInterval(stickyHolder, config.electionIntervalMs).unref() : undefined;
  const geo = new GeoRouter({
    nodeId: config.nodeId,
    region: config.region,
    httpPort: config.httpPort,
    table,
    metrics,
    log: log.child({ component: 'geo' }),
    thresholdMs: config.geo.degradedMs,
    probeIntervalMs: config.geo.probeMs,
    timeoutMs: config.forwardTimeoutMs,
    defects: config.defects,
  });
  const rpc = createRpcInbound({
    nodeId: config.nodeId,
    registry,
    state,
    metrics,
    log: rpcLog,
    geoRoute: geo.route,
    ...(config.defects.has('misroute-rpc') ? { divert: createMisrouter(config, table, rpcLog) } : {}),
    forward: createGlobalForwarder({
      nodeId: config.nodeId,
      httpPort: config.httpPort,
      timeoutMs: config.forwardTimeoutMs,
      table,
      holder: config.defects.has('forward-to-first-leader') ? stickyHolder : globalHolder,
      onLeadershipEvent: (listener) => events.subscribe(listener),
      defects: config.defects,
      log: rpcLog,
    }),
    shardRoute: plane.shardRoute,
  });

  const http = createHttpServer({
    config,
    state,
    metrics,
    registry,
    table,
    sweepGossip: () => gossip.sweep(),
    leaders: () => leadership,
    leadership: () => leadership,
    events,
    rpc,
    chaos: { reenroll: oneShot(() => renewal.wake()), 'clock-skew': clockSkewHook(clock) },
    routes: [...plane.routes, ...shards.routes, ...geo.routes],
    log: log.child({ component: 'http' }),
  });
  const server = seams.server ?? createServer();
  server.on('request', http.listener);
  // Probes and scrapes reuse connections; keep idle ones a little longer than typical pollers.
  server.keepAliveTimeout = 10_000;

  const lifetime = new AbortController();
  const stopLoops = async (): Promise<void> => {
    lifetime.abort();
    clearInterval(stickyTimer);
    geo.stop();
    shards.stop();
    plane?.stop();
    await gossip.stop().catch(() => undefined);
  };
  const closeServer = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    config,
    log,
    state,
    table,
    metrics,
    server,
    plane,
    shards,
    leadership,
    routes: http.routes,
    async start() {
      if (!server.listening) await listen(server, config.httpPort);
      state.status = 'Running';
      log.info('http listening', { port: config.httpPort });
      leadership?.start();
      shards.start();
      geo.start();
      if (config.otlpEndpoint) log.info('tracing to OTLP/HTTP', { endpoint: `${config.otlpEndpoint}/v1/traces` });
      if (config.bootstrapUrl !== undefined && config.bootstrapToken !== undefined) {
        const enroller = new Enroller(
          { bootstrapUrl: config.bootstrapUrl, token: config.bootstrapToken, nodeId: config.nodeId },
          log.child({ component: 'tls' }),
        );
        const onFatal = seams.onFatal ?? (() => process.exit(1));
        void startEnrolledGossip({ enroller, gossip, state, signal: lifetime.signal, log, renewal, onFatal });
      } else {
        log.warn('RELAY_BOOTSTRAP_URL is not set: no certificate, gossip is disabled');
      }
    },
    async shutdown(reason) {
      const started = clock.monotonic();
      log.info('shutting down', { signal: reason });
      state.status = 'Stopping';
      // Drain (new calls 503, the gossip label asks the leader to move this node's shards away) and
      // release leases at once, so leadership moves without waiting for the shards; then wait (bounded)
      // until the shards are handed over, still gossiping and serving handovers, and leave.
      const drained = shards.drain
        .drainAndWait(SHUTDOWN_DRAIN_MS)
        .catch((error: unknown) => log.warn('drain on shutdown failed', { error: errorMessage(error) }));
      state.draining = true;
      await leadership?.stop('shutdown');
      await drained;
      await stopLoops();
      // Let in-flight calls finish briefly; new calls already get 503 + Retry-After.
      const drainDeadline = clock.monotonic() + 2000;
      while (state.activeRequests > 0 && clock.monotonic() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
      await closeServer();
      state.status = 'Stopped';
      // Send the spans still batched (the SteppedDown of the released leases among them), bounded.
      await tracing.shutdown(1000);
      log.info('stopped', { ms: clock.monotonic() - started });
    },
    async close() {
      await leadership?.stop('shutdown');
      await stopLoops();
      await closeServer();
      state.status = 'Stopped';
    },
  };
}

function logStart(log: Logger, config: RelayConfig, campaignScopes: readonly string[]): void {
  log.info('relay-node starting', {
    clusterId: config.clusterId,
    region: config.region,
    role: config.role,
    eligibleScopes: config.eligibleScopes,
    campaignScopes,
    httpPort: config.httpPort,
    gossipPort: config.gossipPort,
    advertiseHost: config.advertiseHost,
    seeds: config.seedPeers.map((s) => s.nodeId),
    peerRoutes: Object.fromEntries([...config.peerRoutes].map(([target, via]) => [target, `${via.host}:${via.port}`])),
    etcdEndpoints: config.etcdEndpoints,
    bootstrapUrl: config.bootstrapUrl,
    timers: {
      leaseTtlMs: config.leaseTtlMs,
      leaseTtlSeconds: leaseTtlSeconds(config),
      globalStandbyMs: config.globalStandbyMs,
      forwardTimeoutMs: config.forwardTimeoutMs,
      electionIntervalMs: config.electionIntervalMs,
      gossipIntervalMs: config.gossipIntervalMs,
      gossipTimeoutMs: config.gossipTimeoutMs,
      gossipFanout: config.gossipFanout,
      suspicionMs: config.suspicionMs,
      leftMs: config.leftMs,
    },
    defects: [...config.defects],
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A deep backlog: a thousand clients connecting at once must not lose connection attempts.
    server.listen({ port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function hostForEndpoint(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
