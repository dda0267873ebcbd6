// The topology schema: one source of truth for what a cluster shape may declare. Builders and YAML
// topology files (topologies/yaml.ts) are validated by it, and every error names the offending field.
import { z } from 'zod';

const dnsLabel = z.string().regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be a lowercase DNS label (letters, digits, dashes; 2-32 chars)');

export const GLOBAL_SCOPE = 'global-control';
export const regionScope = (region: string) => `region/${region}`;

/** The outside world in a link's `from`: the test process and its load drivers calling into a region. */
export const CLIENTS = 'clients';

const scope = z.string().regex(/^(global-control|region\/[a-z][a-z0-9-]*)$/, 'must be "global-control" or "region/<name>"');

export const roleSchema = z.enum(['global', 'regional', 'replica', 'edge']);

/** OmniRelay's deployment mode, reported as introspect `mode` (contract §1). */
export const modeSchema = z.enum(['InProc', 'Sidecar', 'Edge']);

/** Role `edge` runs in mode `Edge`; every other role defaults to `InProc`. */
export const defaultMode = (role: Role): Mode => (role === 'edge' ? 'Edge' : 'InProc');

export const nodeSchema = z
  .strictObject({
    id: dnsLabel,
    region: dnsLabel,
    role: roleSchema,
    /** Deployment mode; defaults to `Edge` for role `edge` and `InProc` otherwise. Role `edge` ⇔ mode `Edge`. */
    mode: modeSchema.optional(),
    /** Leadership scopes this node may hold. */
    eligible: z.array(scope).default([]),
  })
  .transform((n) => ({ id: n.id, region: n.region, role: n.role, mode: n.mode ?? defaultMode(n.role), eligible: n.eligible }));

export const etcdMemberSchema = z.strictObject({ id: dnsLabel, region: dnsLabel });

/**
 * A path routed through the fault proxy, which later chaos work may degrade (latency, loss, cut):
 * `clients → <region>` is a region's ingress, `<region> → <region>` an inter-region path
 * (`bidirectional: true` for both directions). Paths not listed here go direct.
 *
 * The fixture puts a proxy in front of each node of a `clients → <region>` link (scenario clients dial it),
 * and one per caller node, callee node and port for region ↔ region links (the caller dials it through
 * relay-node's RELAY_PEER_ROUTES; see support/cluster/peer-links.ts).
 */
export const linkSchema = z.strictObject({
  /** A declared region, or `clients`. */
  from: dnsLabel,
  /** A declared region. */
  to: dnsLabel,
  through: z.literal('proxy').default('proxy'),
  bidirectional: z.boolean().default(false),
});

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
  /** How long a node waits for a call it forwards (to the global leader) before answering 503. */
  forwardTimeoutMs: z.number().int().min(50).default(2_000),
});

/** Shard settings; the shard ids themselves are fixed in seeds/shards/<namespace>.json. */
export const shardSettingsSchema = z.strictObject({
  namespace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, dots and dashes')
    .default('mesh.control'),
  strategy: z.enum(['ring', 'rendezvous', 'locality']).default('rendezvous'),
  /** Synchronous copies besides the owner (fewer when the topology has fewer other nodes). */
  replicas: z.number().int().min(0).max(16).default(2),
  /** Calls per second per shard before the owner delays calls and the leader moves the shard; 0 = no budget. */
  qpsBudget: z.number().int().min(0).default(0),
  /** Calls per second each node serves as a shard owner, all its shards together; 0 = no budget. Never moves a shard. */
  nodeQpsBudget: z.number().int().min(0).default(0),
});

export const topologySchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be a PascalCase name'),
    clusterId: dnsLabel,
    regions: z.array(dnsLabel).min(1),
    nodes: z.array(nodeSchema).min(1),
    etcd: z.array(etcdMemberSchema).min(1),
    timers: timersSchema,
    links: z.array(linkSchema).default([]),
    shards: shardSettingsSchema.default({ namespace: 'mesh.control', strategy: 'rendezvous', replicas: 2, qpsBudget: 0, nodeQpsBudget: 0 }),
  })
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const declared = t.regions.join(', ');
    t.regions.forEach((r, i) => {
      if (t.regions.indexOf(r) !== i) issue(['regions', i], `duplicate region "${r}"`);
      if (r === CLIENTS) issue(['regions', i], `"${CLIENTS}" is reserved for links from outside the cluster; name the region otherwise`);
    });
    const seen = new Set<string>();
    t.nodes.forEach((n, i) => {
      if (seen.has(n.id)) issue(['nodes', i, 'id'], `duplicate node id "${n.id}"`);
      seen.add(n.id);
      if (!t.regions.includes(n.region)) issue(['nodes', i, 'region'], `unknown region "${n.region}"; declared: ${declared}`);
      if (n.role === 'edge' && n.mode !== 'Edge') issue(['nodes', i, 'mode'], `role "edge" runs in mode "Edge", got "${n.mode}"`);
      if (n.role !== 'edge' && n.mode === 'Edge')
        issue(['nodes', i, 'mode'], `mode "Edge" is for role "edge" (edge ingress); node "${n.id}" has role "${n.role}"`);
      n.eligible.forEach((s, j) => {
        if (s.startsWith('region/') && s !== regionScope(n.region)) {
          issue(['nodes', i, 'eligible', j], `"${s}" is another region's scope; node "${n.id}" is in "${n.region}"`);
        }
      });
    });
    t.etcd.forEach((m, i) => {
      if (seen.has(m.id)) issue(['etcd', i, 'id'], `duplicate id "${m.id}" (node and etcd ids share one namespace)`);
      seen.add(m.id);
      if (!t.regions.includes(m.region)) issue(['etcd', i, 'region'], `unknown region "${m.region}"; declared: ${declared}`);
    });
    if (t.etcd.length % 2 === 0) issue(['etcd'], `etcd needs an odd number of members for a majority; got ${t.etcd.length}`);
    const paths = new Map<string, number>(); // "from>to" → index of the link that routes it
    t.links.forEach((l, i) => {
      let ok = true;
      if (l.from !== CLIENTS && !t.regions.includes(l.from)) {
        issue(['links', i, 'from'], `unknown region "${l.from}"; declared: ${declared} (or "${CLIENTS}")`);
        ok = false;
      }
      if (l.to === CLIENTS) {
        issue(['links', i, 'to'], `"${CLIENTS}" can only be a link's "from"`);
        ok = false;
      } else if (!t.regions.includes(l.to)) {
        issue(['links', i, 'to'], `unknown region "${l.to}"; declared: ${declared}`);
        ok = false;
      } else if (l.to === l.from) {
        issue(['links', i, 'to'], `a link joins two different places; "from" is also "${l.from}"`);
        ok = false;
      }
      if (l.from === CLIENTS && l.bidirectional) {
        issue(['links', i, 'bidirectional'], `a link from "${CLIENTS}" is one-way (clients call in; nothing calls them)`);
        ok = false;
      }
      if (!ok) return;
      const directions = l.bidirectional
        ? [
            [l.from, l.to],
            [l.to, l.from],
          ]
        : [[l.from, l.to]];
      for (const [a, b] of directions) {
        const earlier = paths.get(`${a}>${b}`);
        if (earlier !== undefined) {
          issue(['links', i], `duplicate link: ${a} → ${b} is already declared by links.${earlier}`);
          return;
        }
      }
      for (const [a, b] of directions) paths.set(`${a}>${b}`, i);
    });
    if (t.timers.leftMs <= t.timers.suspicionMs) issue(['timers', 'leftMs'], 'must be greater than suspicionMs');
    if (t.timers.etcdElectionMs < 5 * t.timers.etcdHeartbeatMs) {
      issue(['timers', 'etcdElectionMs'], 'must be at least 5 × etcdHeartbeatMs (etcd tuning guidance)');
    }
  });

export type TopologyInput = z.input<typeof topologySchema>;
export type Topology = z.output<typeof topologySchema>;
export type TopologyNode = Topology['nodes'][number];
export type NodeInput = z.input<typeof nodeSchema>;
export type Role = z.infer<typeof roleSchema>;
export type Mode = z.infer<typeof modeSchema>;
export type Timers = Topology['timers'];
export type ShardSettings = Topology['shards'];
export type EtcdMemberSpec = Topology['etcd'][number];
export type Link = Topology['links'][number];
export type LinkInput = z.input<typeof linkSchema>;

export class TopologyError extends Error {
  override name = 'TopologyError';
}

/** One thing wrong with a topology: the field's path (`nodes.2.region`) and what is wrong with it. */
export interface TopologyProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** The field name itself is wrong (an unknown field), not its value. */
  readonly key?: true;
}

export type TopologyCheck = { readonly ok: true; readonly topology: Topology } | { readonly ok: false; readonly problems: TopologyProblem[] };

/** Validates without throwing: the topology, or every problem found (one per unknown field). */
export function checkTopology(input: unknown): TopologyCheck {
  const result = topologySchema.safeParse(input, { error: explainIssue });
  if (result.success) return { ok: true, topology: result.data };
  const problems = result.error.issues.flatMap((i): TopologyProblem[] => {
    if (i.code !== 'unrecognized_keys') return [{ path: i.path as (string | number)[], message: i.message }];
    const allowed = fieldsAt(i.path as (string | number)[]);
    return i.keys.map((key) => ({ path: [...(i.path as (string | number)[]), key], message: unknownField(key, allowed), key: true as const }));
  });
  return { ok: false, problems };
}

export const formatPath = (path: readonly (string | number)[]) => (path.length ? path.join('.') : '(root)');

/** Validates a topology; the error lists every problem as `field.path: message`. */
export function validateTopology(input: unknown, source = 'topology'): Topology {
  const result = checkTopology(input);
  if (result.ok) return result.topology;
  const lines = result.problems.map((p) => `  ${formatPath(p.path)}: ${p.message}`);
  throw new TopologyError(`${source} is invalid:\n${lines.join('\n')}`);
}

/** Scopes that some node is eligible for: the leadership the cluster is expected to establish. */
export function leadershipScopes(t: Topology): string[] {
  return [...new Set(t.nodes.flatMap((n) => n.eligible))].sort();
}

export function eligibleFor(t: Topology, scope: string): string[] {
  return t.nodes.filter((n) => n.eligible.includes(scope)).map((n) => n.id);
}

/** The links that cross `region`'s boundary (either end), e.g. to degrade a region's ingress. */
export function linksOf(t: Topology, region: string): Link[] {
  return t.links.filter((l) => l.from === region || l.to === region);
}

// ---- messages an author can act on (zod's defaults speak TypeScript) ----

const explainIssue: z.core.$ZodErrorMap = (iss) => {
  const raw = iss as typeof iss & { expected?: string; values?: readonly unknown[]; minimum?: number | bigint; maximum?: number | bigint; origin?: string };
  if (iss.code === 'invalid_type' && iss.input === undefined) return `missing required field (${expectedText(raw.expected)})`;
  if (iss.code === 'invalid_value' && iss.input === undefined) return `missing required field (one of: ${raw.values?.join(', ')})`;
  if (iss.code === 'invalid_type') return `expected ${expectedText(raw.expected)}, got ${describe(iss.input)}`;
  if (iss.code === 'invalid_value') return `${JSON.stringify(iss.input)} is not one of: ${raw.values?.join(', ')}`;
  if (iss.code === 'too_small' && raw.origin === 'array') return `needs at least ${raw.minimum} item${raw.minimum === 1 ? '' : 's'}`;
  if (iss.code === 'too_small') return `must be at least ${raw.minimum}, got ${describe(iss.input)}`;
  if (iss.code === 'too_big') return `must be at most ${raw.maximum}, got ${describe(iss.input)}`;
  return undefined;
};

function expectedText(expected: string | undefined): string {
  switch (expected) {
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'int':
      return 'a whole number';
    case undefined:
      return 'a value';
    default:
      return `a ${expected}`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function unknownField(key: string, allowed: string[]): string {
  const near = allowed.filter((a) => editDistance(a.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = near.length ? `; did you mean "${near[0]}"?` : ';';
  return `unknown field "${key}"${hint} allowed here: ${allowed.join(', ')}`;
}

type Def = { type: string; shape?: Record<string, { def: Def }>; element?: { def: Def }; in?: { def: Def }; innerType?: { def: Def } };

/** The fields the schema allows at `path` (an object's keys), for "unknown field" messages. */
function fieldsAt(path: readonly (string | number)[]): string[] {
  const unwrap = (d: Def): Def =>
    d.type === 'pipe' && d.in ? unwrap(d.in.def) : (d.type === 'default' || d.type === 'optional') && d.innerType ? unwrap(d.innerType.def) : d;
  let def: Def | undefined = unwrap(topologySchema.def as unknown as Def);
  for (const seg of path) {
    if (!def) break;
    if (def.type === 'array') def = def.element && unwrap(def.element.def);
    else if (def.type === 'object') def = def.shape?.[seg] && unwrap(def.shape[seg].def);
    else def = undefined;
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
