// Random cases for a topology, as fast-check arbitraries: fast-check draws them from a seed (the same seed
// gives the same cases) and shrinks a failing one towards fewer faults, shorter and earlier windows, fewer
// clients and simpler sides. Every fault is bounded (at most 12 s, all healed within 22 s of the start),
// and clock skew stays inside the bound relay-node's README states for the topology's lease TTL, so a
// failure is a broken promise, not a fault the product never claimed to survive. Pure.
import fc from 'fast-check';
import type { Topology } from '../../../topologies';
import { WORKLOADS, type FaultRow, type RandomCase } from './case';

/** At most this many node faults that take a node down (crash, pause, stop) per case: a majority stays up. */
const MAX_DOWN = 2;
const DOWN = new Set(['crash', 'pause', 'graceful stop']);

export const LIMITS = { faults: 4, startS: 10, durationS: 12, minClients: 2, clients: 16 } as const;

export function caseArbitrary(topology: Topology): fc.Arbitrary<RandomCase> {
  const fault = faultArbitrary(topology);
  return fc
    .record({
      workload: fc.constantFrom(...WORKLOADS),
      clients: fc.integer({ min: LIMITS.minClients, max: LIMITS.clients }),
      faults: fc.array(fault, { minLength: 1, maxLength: LIMITS.faults }),
    })
    .filter((c) => c.faults.filter((f) => DOWN.has(f.fault)).length <= MAX_DOWN)
    .map((c) => ({ topology: topology.name, ...c, faults: [...c.faults].sort((a, b) => a.startS - b.startS) }));
}

/** `n` cases from `seed`, exactly as a run with that seed draws them (before any shrinking). */
export function sampleCases(topology: Topology, seed: number, n: number): RandomCase[] {
  return fc.sample(caseArbitrary(topology), { seed, numRuns: n });
}

function faultArbitrary(topology: Topology): fc.Arbitrary<FaultRow> {
  const relay = topology.nodes.map((n) => n.id);
  const members = [...relay, ...topology.etcd.map((m) => m.id)];
  const node = fc.oneof(fc.constant('the global leader'), fc.constantFrom(...relay));
  // One side of a cut: the global leader alone, or some members (never all of them); the other side is everyone else.
  const side = fc.oneof(
    fc.constant('the global leader'),
    fc.subarray(members, { minLength: 1, maxLength: members.length - 1 }).map((ids) => ids.join(', ')),
  );
  const cut = side.map((s) => `${s} / everyone else`);
  const region = fc.constantFrom(...topology.regions);
  const window = (minS: number, maxS: number = LIMITS.durationS) =>
    fc.record({ startS: fc.integer({ min: 0, max: LIMITS.startS }), durationS: fc.integer({ min: minS, max: maxS }) });
  const row = (fault: fc.Arbitrary<string>, target: fc.Arbitrary<string>, minS: number, maxS?: number) =>
    fc.tuple(fault, target, window(minS, maxS)).map(([f, t, w]): FaultRow => ({ fault: f, target: t, ...w }));
  const driftPercent = safeDriftPercent(topology.timers.leaseTtlMs);
  const skew = fc
    .record({ offsetS: fc.integer({ min: -30, max: 30 }), drift: fc.integer({ min: -driftPercent, max: driftPercent }) })
    .map(({ offsetS, drift }) => `clock skew ${offsetS >= 0 ? '+' : ''}${offsetS} s${drift !== 0 ? ` drift ${drift > 0 ? '+' : ''}${drift} %` : ''}`);
  const kinds: fc.Arbitrary<FaultRow>[] = [
    row(fc.constant('partition'), cut, 3),
    row(fc.constant('crash'), node, 3),
    row(fc.constant('pause'), node, 2, 8),
    row(fc.constant('graceful stop'), node, 3),
    row(fc.constant('one-way cut'), cut, 3),
    row(
      fc.constantFrom(20, 40, 60).map((p) => `packet loss ${p}%`),
      cut,
      3,
    ),
    row(skew, node, 5),
    row(
      fc.constantFrom('1 node joins', '2 nodes join'),
      region.map((r) => `region ${r}`),
      4,
      8,
    ),
  ];
  // Toxics need proxied links: latency only where the topology declares some.
  const proxied = new Set(topology.links.map((l) => l.to));
  const linked = topology.regions.filter((r) => proxied.has(r) || topology.nodes.some((n) => n.region === r && proxied.has(n.id)));
  if (linked.length > 0) {
    kinds.push(
      row(
        fc.constantFrom(200, 500, 1_000).map((ms) => `latency ${ms} ms`),
        fc.constantFrom(...linked).map((r) => `region ${r}`),
        3,
      ),
    );
  }
  return fc.oneof(...kinds);
}

/**
 * The largest whole drift percentage leases are safe under (relay-node's README, "Clock and skew": slow
 * by less than guard/TTL, guard = min(250 ms, TTL/10)), with a margin for timer slack on a busy machine.
 */
export function safeDriftPercent(leaseTtlMs: number): number {
  const guardMs = Math.min(250, leaseTtlMs / 10);
  return Math.max(0, Math.floor((guardMs / leaseTtlMs) * 100 * 0.6 + 1e-9)); // 1e-9: 8.33… × 0.6 is 5, not 4.999…
}
