// The topology schema: one source of truth for what a cluster shape may declare. Builders and (later)
// YAML topology files are validated by it, and every error names the offending field.
import { z } from 'zod';

const dnsLabel = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be a lowercase DNS label (letters, digits, dashes; 2-32 chars)');

export const GLOBAL_SCOPE = 'global-control';
export const regionScope = (region: string) => `region/${region}`;

const scope = z.string().regex(/^(global-control|region\/[a-z][a-z0-9-]*)$/, 'must be "global-control" or "region/<name>"');

export const roleSchema = z.enum(['global', 'regional', 'replica', 'edge']);

export const nodeSchema = z.strictObject({
  id: dnsLabel,
  region: dnsLabel,
  role: roleSchema,
  /** Leadership scopes this node may hold. */
  eligible: z.array(scope).default([]),
});

export const etcdMemberSchema = z.strictObject({ id: dnsLabel, region: dnsLabel });

export const timersSchema = z.strictObject({
  leaseTtlMs: z.number().int().min(2_000, 'etcd leases are whole seconds; use at least 2000'),
  electionIntervalMs: z.number().int().min(50).max(10_000),
  electionWindowMs: z.number().int().min(500),
  gossipIntervalMs: z.number().int().min(50).max(10_000),
  gossipFanout: z.number().int().min(1).max(32),
  suspicionMs: z.number().int().min(100),
  leftMs: z.number().int().min(200),
  etcdHeartbeatMs: z.number().int().min(10),
  etcdElectionMs: z.number().int().min(50),
});

export const topologySchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be a PascalCase name'),
    clusterId: dnsLabel,
    regions: z.array(dnsLabel).min(1),
    nodes: z.array(nodeSchema).min(1),
    etcd: z.array(etcdMemberSchema).min(1),
    timers: timersSchema,
  })
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const seen = new Set<string>();
    t.nodes.forEach((n, i) => {
      if (seen.has(n.id)) issue(['nodes', i, 'id'], `duplicate node id "${n.id}"`);
      seen.add(n.id);
      if (!t.regions.includes(n.region)) issue(['nodes', i, 'region'], `unknown region "${n.region}"; declared: ${t.regions.join(', ')}`);
      n.eligible.forEach((s, j) => {
        if (s.startsWith('region/') && s !== regionScope(n.region)) {
          issue(['nodes', i, 'eligible', j], `"${s}" is another region's scope; node "${n.id}" is in "${n.region}"`);
        }
      });
    });
    t.etcd.forEach((m, i) => {
      if (seen.has(m.id)) issue(['etcd', i, 'id'], `duplicate id "${m.id}" (node and etcd ids share one namespace)`);
      seen.add(m.id);
      if (!t.regions.includes(m.region)) issue(['etcd', i, 'region'], `unknown region "${m.region}"`);
    });
    if (t.etcd.length % 2 === 0) issue(['etcd'], `etcd needs an odd number of members for a majority; got ${t.etcd.length}`);
    if (t.timers.leftMs <= t.timers.suspicionMs) issue(['timers', 'leftMs'], 'must be greater than suspicionMs');
    if (t.timers.etcdElectionMs < 5 * t.timers.etcdHeartbeatMs) {
      issue(['timers', 'etcdElectionMs'], 'must be at least 5 × etcdHeartbeatMs (etcd tuning guidance)');
    }
  });

export type TopologyInput = z.input<typeof topologySchema>;
export type Topology = z.output<typeof topologySchema>;
export type TopologyNode = Topology['nodes'][number];
export type Role = z.infer<typeof roleSchema>;
export type Timers = Topology['timers'];
export type EtcdMemberSpec = Topology['etcd'][number];

export class TopologyError extends Error {
  override name = 'TopologyError';
}

/** Validates a topology; the error lists every problem as `field.path: message`. */
export function validateTopology(input: unknown, source = 'topology'): Topology {
  const result = topologySchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new TopologyError(`${source} is invalid:\n${lines.join('\n')}`);
}

/** Scopes that some node is eligible for: the leadership the cluster is expected to establish. */
export function leadershipScopes(t: Topology): string[] {
  return [...new Set(t.nodes.flatMap((n) => n.eligible))].sort();
}

export function eligibleFor(t: Topology, scope: string): string[] {
  return t.nodes.filter((n) => n.eligible.includes(scope)).map((n) => n.id);
}
