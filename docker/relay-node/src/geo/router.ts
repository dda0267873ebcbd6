// Geo-affinity routing (feature:mesh-geo-affinity). A client names its home region in X-Mesh-Home-Region;
// the node it calls sends the call to a live node of that region, unless the region is degraded (its
// latency estimate, from the forwarded calls themselves and from probes, is past the threshold): then to
// the nearest healthy region, this node's own costing nothing. The answer says where it was served
// (X-Mesh-Served-Region) and why (X-Mesh-Geo-Decision), and mesh_geo_routed_total counts the same.
// Probes keep the estimate of a region fresh while no call goes there, so clients move back after a heal.
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MembershipTable } from '../gossip/membership';
import type { Defects } from '../defects';
import type { Route } from '../http/routes';
import { writeJson } from '../http/respond';
import { errorMessage, type Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import { formatHostPort, httpEndpointOf } from '../rpc/http-endpoints';
import { header, writeError } from '../rpc/inbound';
import { forwardCall } from '../rpc/relay';
import { chooseRegion, RegionLatency } from './estimates';
import { clock } from '../clock';

export const HOME_REGION_HEADER = 'x-mesh-home-region';
export const SERVED_REGION_HEADER = 'X-Mesh-Served-Region';
export const GEO_DECISION_HEADER = 'X-Mesh-Geo-Decision';
/** Set on a call this node forwarded for geo reasons: the next node serves it, never routes it again. */
const GEO_HOP_HEADER = 'x-mesh-geo-hop';
export const GEO_PATH = '/control/geo';

export interface GeoRouterOptions {
  nodeId: string;
  region: string;
  httpPort: number;
  table: MembershipTable;
  metrics: RelayMetrics;
  log: Logger;
  thresholdMs: number;
  probeIntervalMs: number;
  /** A forwarded call with no answer by then fails (Unavailable) and counts as a sample of this size. */
  timeoutMs: number;
  /** geo-ignores-latency and geo-latency-averages-all-samples act here. */
  defects: Defects;
}

export class GeoRouter {
  readonly latency: RegionLatency;
  private readonly routed;
  private readonly estimateGauge;
  private readonly next = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: GeoRouterOptions) {
    this.latency = new RegionLatency(options.thresholdMs, Date.now, options.defects.has('geo-latency-averages-all-samples'));
    this.routed = options.metrics.registry.counter(
      'mesh_geo_routed_total',
      "Geo-affinity calls routed by this node, by the client's home region, the region that served it and the decision (home|fallback|home-unavailable).",
    );
    this.estimateGauge = options.metrics.registry.gauge(
      'mesh_geo_region_latency_ms',
      "This node's latency estimate per remote region (EWMA of calls and probes), in milliseconds.",
    );
    options.metrics.registry.onCollect(() => this.estimateGauge.replace(this.latency.all().map((e) => [{ mesh_region: e.region }, e.estimateMs])));
  }

  start(): void {
    const tick = () => {
      void this.probeAll().finally(() => {
        this.timer = setTimeout(tick, this.options.probeIntervalMs);
        this.timer.unref();
      });
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The inbound's hook: handles calls that carry a home region (and were not routed here by another node). */
  readonly route = async (req: IncomingMessage, res: ServerResponse, procedure: string): Promise<'served' | 'forwarded' | 'refused' | undefined> => {
    const home = header(req, HOME_REGION_HEADER);
    if (!home) return undefined;
    const { nodeId, region } = this.options;
    if (header(req, GEO_HOP_HEADER)) {
      res.setHeader(SERVED_REGION_HEADER, region);
      return undefined;
    }
    const { region: target, decision } = chooseRegion(home, region, this.candidates(), this.latency, this.options.defects.has('geo-ignores-latency'));
    res.setHeader(GEO_DECISION_HEADER, decision);
    const labels = { mesh_home_region: home, mesh_served_region: target, mesh_decision: decision };
    if (target === region) {
      this.routed.inc(labels);
      res.setHeader(SERVED_REGION_HEADER, region);
      return undefined; // served here
    }
    const peer = this.pick(target);
    if (!peer) {
      req.resume();
      writeError(req, res, 'Unavailable', `no live node in region ${target} known to ${nodeId}`);
      return 'refused';
    }
    this.routed.inc(labels);
    await this.forward(req, res, procedure, peer, target);
    return 'forwarded';
  };

  /** GET /control/geo: the estimates this node routes by. */
  readonly routes: Route[] = [{ method: 'GET', path: GEO_PATH, handle: (_req, res) => this.writeEstimates(res) }];

  private writeEstimates(res: ServerResponse): void {
    writeJson(res, 200, {
      generatedAt: clock.iso(),
      nodeId: this.options.nodeId,
      region: this.options.region,
      thresholdMs: this.options.thresholdMs,
      regions: this.latency.all().map((e) => ({ ...e, lastSampleAt: new Date(e.lastSampleAt).toISOString() })),
    });
  }

  private candidates(): Set<string> {
    const regions = new Set([this.options.region]);
    for (const m of this.options.table.peers()) if (m.status === 'Alive') regions.add(m.metadata.region);
    return regions;
  }

  /** Alive members of `region`, taken in turn. */
  private pick(region: string): string | undefined {
    const alive = this.options.table.peers().filter((m) => m.status === 'Alive' && m.metadata.region === region);
    if (alive.length === 0) return undefined;
    const i = (this.next.get(region) ?? 0) % alive.length;
    this.next.set(region, i + 1);
    return alive[i]!.nodeId;
  }

  private forward(req: IncomingMessage, res: ServerResponse, procedure: string, peer: string, region: string): Promise<void> {
    const { nodeId, timeoutMs, log } = this.options;
    const target = httpEndpointOf(peer, this.options.table, this.options.httpPort);
    const started = clock.monotonic();
    return forwardCall(req, res, target, {
      headers: { [GEO_HOP_HEADER]: nodeId },
      timeoutMs,
      onAnswer: () => this.latency.observe(region, clock.monotonic() - started),
      onError: (error) => {
        this.latency.observe(region, Math.max(timeoutMs, clock.monotonic() - started));
        log.debug('geo forward failed', { procedure, peer, target: formatHostPort(target), error: errorMessage(error) });
        return { status: 'Unavailable', message: `${peer} (${region}) did not answer: ${errorMessage(error)}` };
      },
    });
  }

  /** One /healthz round trip to a live node of every other region. */
  private async probeAll(): Promise<void> {
    const regions = [...this.candidates()].filter((r) => r !== this.options.region);
    await Promise.all(
      regions.map(async (region) => {
        const peer = this.pick(region);
        if (!peer) return;
        const target = httpEndpointOf(peer, this.options.table, this.options.httpPort);
        const started = clock.monotonic();
        const ok = await probe(target.host, target.port, this.options.timeoutMs);
        const changed = this.latency.observe(region, ok ? clock.monotonic() - started : this.options.timeoutMs);
        if (changed) this.options.log.info('geo region health changed', { ...this.latency.get(region) });
      }),
    );
  }
}

function probe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/healthz', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 500) < 500));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}
