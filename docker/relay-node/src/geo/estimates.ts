// Per-region latency estimates for geo-affinity routing: an exponentially weighted moving average of
// real samples (forwarded calls and probes, in ms), and a degraded flag with hysteresis so that a region
// hovering near the threshold does not make clients flap between regions.

/** Weight of the newest sample: three slow samples in a row take a 5 ms region past 250 ms. */
export const EWMA_ALPHA = 0.3;
/** A degraded region counts as healthy again only once its estimate falls below this share of the threshold. */
export const RECOVERY_SHARE = 0.6;

export interface RegionEstimate {
  readonly region: string;
  readonly estimateMs: number;
  readonly degraded: boolean;
  readonly samples: number;
  readonly lastSampleMs: number;
  readonly lastSampleAt: number;
}

interface State {
  estimateMs: number;
  degraded: boolean;
  samples: number;
  lastSampleMs: number;
  lastSampleAt: number;
}

export class RegionLatency {
  private readonly regions = new Map<string, State>();

  constructor(
    readonly thresholdMs: number,
    private readonly now: () => number = Date.now,
    /** Seeded defect geo-latency-averages-all-samples. */
    private readonly averageAll = false,
  ) {}

  /** Adds a sample; returns true when the region's degraded flag changed. */
  observe(region: string, ms: number): boolean {
    const state = this.regions.get(region);
    if (!state) {
      this.regions.set(region, { estimateMs: ms, degraded: ms > this.thresholdMs, samples: 1, lastSampleMs: ms, lastSampleAt: this.now() });
      return ms > this.thresholdMs;
    }
    state.samples += 1;
    // Seeded defect geo-latency-averages-all-samples: an incremental mean of every sample since start
    // where a moving average was meant, so a region that was fast for long takes minutes to look slow.
    state.estimateMs = this.averageAll ? state.estimateMs + (ms - state.estimateMs) / state.samples : EWMA_ALPHA * ms + (1 - EWMA_ALPHA) * state.estimateMs;
    state.lastSampleMs = ms;
    state.lastSampleAt = this.now();
    const degraded = state.degraded ? state.estimateMs >= this.thresholdMs * RECOVERY_SHARE : state.estimateMs > this.thresholdMs;
    const changed = degraded !== state.degraded;
    state.degraded = degraded;
    return changed;
  }

  get(region: string): RegionEstimate | undefined {
    const state = this.regions.get(region);
    return state ? { region, ...state, estimateMs: Math.round(state.estimateMs * 10) / 10 } : undefined;
  }

  all(): RegionEstimate[] {
    return [...this.regions.keys()].sort().map((r) => this.get(r)!);
  }
}

export type GeoDecision = 'home' | 'fallback' | 'home-unavailable';

/**
 * Where a call of a client homed in `home` goes: home while it is healthy; else the healthy region with
 * the lowest estimate (this node's own region costs nothing); if none is healthy, home after all.
 * `candidates` are the regions with a live node (this node's own included). With `ignoreLatency`
 * (seeded defect geo-ignores-latency) home always wins.
 */
export function chooseRegion(
  home: string,
  own: string,
  candidates: ReadonlySet<string>,
  latency: RegionLatency,
  ignoreLatency = false,
): { region: string; decision: GeoDecision } {
  const healthy = (r: string) => r === own || !latency.get(r)?.degraded;
  if (candidates.has(home) && (ignoreLatency || healthy(home))) return { region: home, decision: 'home' };
  const cost = (r: string) => (r === own ? 0 : (latency.get(r)?.estimateMs ?? Number.MAX_SAFE_INTEGER));
  const best = [...candidates].filter(healthy).sort((a, b) => cost(a) - cost(b) || a.localeCompare(b))[0];
  if (best !== undefined) return { region: best, decision: 'fallback' };
  return { region: home, decision: 'home-unavailable' };
}
