// relay-node: the suite's reference OmniRelay host. Start order: HTTP first (probes must answer
// from the first second), then leadership against etcd, then enrollment and gossip. SIGTERM
// drains, releases every held lease (SteppedDown, reason `shutdown`) and exits 0.
import type { Server } from 'node:http';
import { ConfigError, electionJitterRange, leaseTtlSeconds, loadConfig, type RelayConfig } from './config';
import { GossipAgent } from './gossip/agent';
import { MembershipTable } from './gossip/membership';
import { createHttpServer } from './http/server';
import { EtcdClient } from './leadership/etcd-client';
import { LeadershipEvents } from './leadership/events';
import { LeadershipService } from './leadership/leadership';
import { EtcdLeaseStore } from './leadership/lease-store';
import { campaignScopes } from './leadership/scopes';
import { createLogger, errorMessage, type Logger } from './log';
import { RelayMetrics } from './metrics';
import { reportedStartTime } from './process-start';
import { createTracing, meshResourceAttributes, type Tracing } from './tracing';
import { SequenceService } from './sequence/service';
import { createGlobalForwarder, firstSeen, registerGlobalProcedures } from './rpc/global';
import { GLOBAL_SCOPE } from './leadership/scopes';
import { createRpcInbound } from './rpc/inbound';
import { installPeerRoutes } from './rpc/peer-routes';
import { GeoRouter } from './geo/router';
import { createMisrouter, HTTP_ENDPOINT_LABEL } from './rpc/misroute';
import { ProcedureRegistry } from './rpc/procedures';
import { createShardControl, type ShardControl } from './shards/control';
import { createShardDataPlane, type ShardDataPlane } from './shards/data/plane';
import { NodeState } from './state';
import { Enroller, type NodeIdentity, renewalDelayMs } from './tls/enroll';

function loadConfigOrExit(): RelayConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : errorMessage(error);
    process.stderr.write(`relay-node: invalid configuration: ${message}\n`);
    process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: 'invalid configuration', error: message })}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  installPeerRoutes(config.peerRoutes);
  const log = createLogger({ node: config.nodeId }, config.logLevel);
  const metrics = new RelayMetrics({
    resource: meshResourceAttributes(config.nodeId, config.region),
    startTimeSeconds: reportedStartTime({
      defects: config.defects,
      log,
    }),
  });
  // Spans (feature:mesh-shard-telemetry) over OTLP/HTTP, only with RELAY_OTLP_ENDPOINT.
  const tracing = createTracing({ endpoint: config.otlpEndpoint, nodeId: config.nodeId, region: config.region });
  if (config.otlpEndpoint) log.info('tracing to OTLP/HTTP', { endpoint: `${config.otlpEndpoint}/v1/traces` });
  const state = new NodeState({
    enrollment: config.bootstrapUrl !== undefined,
    etcd: config.etcdEndpoints.length > 0,
    etcdStaleMs: Math.max(3000, 3 * config.electionIntervalMs),
  });
  const scopes = campaignScopes(config.eligibleScopes, config.region, config.defects);
  log.info('relay-node starting', {
    clusterId: config.clusterId,
    region: config.region,
    role: config.role,
    eligibleScopes: config.eligibleScopes,
    campaignScopes: scopes,
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
      gossipFanout: config.gossipFanout,
      suspicionMs: config.suspicionMs,
      leftMs: config.leftMs,
    },
    defects: [...config.defects],
  });

  const table = new MembershipTable(
    {
      nodeId: config.nodeId,
      role: config.role,
      clusterId: config.clusterId,
      region: config.region,
      meshVersion: config.meshVersion,
      http3Support: false,
      endpoint: `${hostForEndpoint(config.advertiseHost)}:${config.gossipPort}`,
      metadataVersion: 1,
      labels: { [HTTP_ENDPOINT_LABEL]: `${hostForEndpoint(config.advertiseHost)}:${config.httpPort}` },
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
  const gossip = new GossipAgent({
    config,
    table,
    metrics,
    log: log.child({ component: 'gossip' }),
    defects: config.defects,
  });
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
      etcdLastOkMs: () => state.etcdLastOkAt,
    });
    sequence = new SequenceService(etcd, leadership, log.child({ component: 'sequence' }), config.defects);
  } else {
    log.warn('RELAY_ETCD_ENDPOINTS is empty: leadership is disabled');
  }

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
    leaderId: () => leadership?.tokens(GLOBAL_SCOPE)[0]?.leaderId,
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
    view: shards.view,
    registry,
    // The global-control holder records pressure episodes (GET /control/pressure `recorded`).
    isLeader: () => leadership?.tokens(GLOBAL_SCOPE)[0]?.leaderId === config.nodeId,
  });
  registerGlobalProcedures(registry, () => sequence);
  const rpcLog = log.child({ component: 'rpc' });
  // Seeded defect forward-to-first-leader: look every election interval until a holder is seen, then never again.
  const stickyHolder = firstSeen(() => leadership?.tokens(GLOBAL_SCOPE)[0]);
  if (config.defects.has('forward-to-first-leader')) setInterval(stickyHolder, config.electionIntervalMs).unref();
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
      holder: config.defects.has('forward-to-first-leader') ? stickyHolder : () => leadership?.tokens(GLOBAL_SCOPE)[0],
      defects: config.defects,
      log: rpcLog,
    }),
    shardRoute: plane.shardRoute,
  });

  const server = createHttpServer({
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
    chaos: { reenroll: () => renewal.wake() },
    // The data plane first: it answers /control/shards/load and /state, the control half the rest.
    routes: [plane.routes, shards.routes, geo.controlRoute],
    log: log.child({ component: 'http' }),
  });
  await listen(server, config.httpPort);
  state.status = 'Running';
  log.info('http listening', { port: config.httpPort });

  leadership?.start();
  shards.start();
  geo.start();

  const lifetime = new AbortController();
  if (config.bootstrapUrl !== undefined && config.bootstrapToken !== undefined) {
    const enroller = new Enroller({ bootstrapUrl: config.bootstrapUrl, token: config.bootstrapToken, nodeId: config.nodeId }, log.child({ component: 'tls' }));
    void startGossip(enroller, gossip, state, lifetime.signal, log, renewal);
  } else {
    log.warn('RELAY_BOOTSTRAP_URL is not set: no certificate, gossip is disabled');
  }

  installShutdown({ server, gossip, leadership, state, lifetime, log, shards, plane, tracing });
}

/** Enrolls (retrying until it works), starts gossip, and re-enrolls before the certificate expires. */
async function startGossip(enroller: Enroller, gossip: GossipAgent, state: NodeState, signal: AbortSignal, log: Logger, renewal: Wake): Promise<void> {
  let identity: NodeIdentity;
  try {
    identity = await enroller.enroll(signal);
    state.enrolled = true;
    await gossip.start(identity);
    state.gossipStarted = true;
  } catch (error) {
    if (signal.aborted) return;
    log.error('gossip could not start', { error: errorMessage(error) });
    process.exit(1);
  }
  while (!signal.aborted) {
    await renewal.sleep(renewalDelayMs(identity.expiresAt));
    if (signal.aborted) return;
    try {
      identity = await enroller.enroll(signal);
      gossip.setIdentity(identity);
      log.info('certificate renewed', { expiresAt: identity.expiresAt.toISOString(), expired: identity.expiresAt.getTime() <= Date.now() });
    } catch (error) {
      if (!signal.aborted) log.warn('certificate renewal failed', { error: errorMessage(error) });
    }
  }
}

interface ShutdownDeps {
  shards: ShardControl;
  plane: ShardDataPlane;
  server: Server;
  gossip: GossipAgent;
  leadership: LeadershipService | undefined;
  state: NodeState;
  lifetime: AbortController;
  log: Logger;
  tracing: Tracing;
}

function installShutdown({ server, gossip, leadership, state, lifetime, log, shards, plane, tracing }: ShutdownDeps): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(0);
    }
    stopping = true;
    const started = Date.now();
    log.info('shutting down', { signal });
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
    lifetime.abort();
    shards.stop();
    plane.stop();
    await gossip.stop().catch(() => undefined);
    // Let in-flight calls finish briefly; new calls already get 503 + Retry-After.
    const drainDeadline = Date.now() + 2000;
    while (state.activeRequests > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    server.close();
    server.closeAllConnections();
    state.status = 'Stopped';
    // Send the spans still batched (the SteppedDown of the released leases among them), bounded.
    await tracing.shutdown(1000);
    log.info('stopped', { ms: Date.now() - started });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** A sleep that `wake()` cuts short (the renewal loop's, woken by the `reenroll` chaos hook). */
class Wake {
  private waker: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waker = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waker = done;
    });
  }

  /** True when a sleeper was woken. */
  wake(): boolean {
    const waker = this.waker;
    waker?.();
    return waker !== undefined;
  }
}

/** How long SIGTERM waits for the node's shards to be handed over before it leaves anyway. */
const SHUTDOWN_DRAIN_MS = 4000;

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

process.on('unhandledRejection', (reason) => {
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: 'unhandled rejection', error: errorMessage(reason) })}\n`);
});

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: 'relay-node failed to start', error: errorMessage(error) })}\n`);
  process.exit(1);
});
