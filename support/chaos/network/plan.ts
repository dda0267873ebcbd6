// The partition planner: pure. Given the members of a scenario network and a partition spec, it says
// which iptables commands to run in which container's network namespace to apply the partition and to
// heal it, and which ordered pairs of nodes must (not) connect while it holds.
//
// Rules live in dedicated chains per fault (`<chain>-IN` jumped to from INPUT, `<chain>-OUT` from OUTPUT)
// in the filter table of each container's own netns, so that a heal removes exactly what the apply added,
// is idempotent, and never touches Docker's rules (Docker keeps only its DNS NAT rules in a container's
// netns; its filter rules live in the host's netns).
import type { GroupsSpec, Member, OneWaySpec, PartitionSpec } from './types';

export const DEFAULT_CHAIN = 'OHS-FAULT';

export class PartitionSpecError extends Error {
  override name = 'PartitionSpecError';
}

/** Arguments of one `iptables` invocation, without the program name and the `-w` lock flag. */
export type IptablesArgs = readonly string[];

/**
 * One step of a container's script. Without `when`, every command in `run` must succeed. With `when`,
 * `check` runs first and `run` runs only if the check says the thing is `absent` (create if missing) or
 * `present` (remove if there): that is what makes apply and heal idempotent.
 */
export interface IptablesStep {
  readonly when?: { readonly check: IptablesArgs; readonly is: 'absent' | 'present' };
  readonly run: readonly IptablesArgs[];
}

export interface ContainerPlan {
  readonly member: Member;
  readonly apply: readonly IptablesStep[];
  readonly heal: readonly IptablesStep[];
}

export type PairReason = 'cut' | 'one-way cut' | 'one-way reverse' | 'same group';

/** An ordered pair the verification probes: can `from` open a TCP connection to `to`? */
export interface PairExpectation {
  readonly from: string;
  readonly to: string;
  readonly expected: boolean;
  readonly why: PairReason;
}

export interface PartitionPlan {
  readonly spec: PartitionSpec;
  /** Base name of this fault's chains (`<chain>-IN`, `<chain>-OUT`). */
  readonly chain: string;
  /** Every member of the network when the plan was made (the heal verification covers all of them). */
  readonly members: readonly Member[];
  /** Only containers that get rules; untouched members have no entry. */
  readonly containers: readonly ContainerPlan[];
  readonly expectations: readonly PairExpectation[];
}

export interface PlanOptions {
  /** Base chain name, unique per concurrently active fault: `OHS-FAULT`, `OHS-FAULT-2` … */
  readonly chain?: string;
}

export function planPartition(members: readonly Member[], spec: PartitionSpec, { chain = DEFAULT_CHAIN }: PlanOptions = {}): PartitionPlan {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,23}$/.test(chain)) {
    throw new PartitionSpecError(`chain name "${chain}" must be 1–24 characters of [A-Za-z0-9_-] (iptables allows 28 with the -OUT suffix)`);
  }
  const byId = indexMembers(members);
  switch (spec.kind) {
    case 'groups':
      return planGroups(byId, members, spec, chain);
    case 'one-way':
      return planOneWay(byId, members, spec, chain);
    default:
      throw new PartitionSpecError(`unknown partition kind "${(spec as { kind?: unknown }).kind}" (expected "groups" or "one-way")`);
  }
}

function planGroups(byId: ReadonlyMap<string, Member>, members: readonly Member[], spec: GroupsSpec, chain: string): PartitionPlan {
  const names = Object.keys(spec.groups);
  if (names.length < 2) {
    throw new PartitionSpecError(`a partition needs at least two groups; got ${names.length}${names.length ? ` (${names.join(', ')})` : ''}`);
  }
  const groupOf = new Map<string, string>();
  const problems: string[] = [];
  for (const name of names) {
    const ids = spec.groups[name]!;
    if (ids.length === 0) problems.push(`group "${name}" is empty`);
    for (const id of ids) {
      const other = groupOf.get(id);
      if (other === name) problems.push(`node "${id}" is listed twice in group "${name}"`);
      else if (other !== undefined) problems.push(`node "${id}" is in two groups ("${other}" and "${name}"); a node belongs to at most one group`);
      else groupOf.set(id, name);
    }
  }
  if (problems.length) throw new PartitionSpecError(`invalid partition groups:\n  - ${problems.join('\n  - ')}`);
  requireKnown(byId, [...groupOf.keys()]);

  const containers: ContainerPlan[] = [];
  const expectations: PairExpectation[] = [];
  for (const name of names) {
    for (const id of spec.groups[name]!) {
      const member = byId.get(id)!;
      const others = names.filter((n) => n !== name).flatMap((n) => spec.groups[n]!.map((o) => byId.get(o)!));
      containers.push(containerPlan(member, chain, {
        in: others.map((o) => ['-s', cidr(o.ip), '-j', 'DROP']),
        out: others.map((o) => ['-d', cidr(o.ip), '-j', 'DROP']),
      }));
      for (const o of others) expectations.push({ from: id, to: o.id, expected: false, why: 'cut' });
      for (const mate of spec.groups[name]!) if (mate !== id) expectations.push({ from: id, to: mate, expected: true, why: 'same group' });
    }
  }
  return { spec, chain, members: [...members], containers, expectations: sortPairs(expectations) };
}

function planOneWay(byId: ReadonlyMap<string, Member>, members: readonly Member[], spec: OneWaySpec, chain: string): PartitionPlan {
  const problems: string[] = [];
  if (spec.from.length === 0) problems.push('"from" names no node');
  if (spec.to.length === 0) problems.push('"to" names no node');
  for (const side of ['from', 'to'] as const) {
    const dup = spec[side].filter((id, i) => spec[side].indexOf(id) !== i);
    if (dup.length) problems.push(`"${side}" lists ${[...new Set(dup)].map((d) => `"${d}"`).join(', ')} more than once`);
  }
  const both = spec.from.filter((id) => spec.to.includes(id));
  if (both.length) problems.push(`${[...new Set(both)].map((d) => `"${d}"`).join(', ')} cannot be on both sides of a one-way partition`);
  if (problems.length) throw new PartitionSpecError(`invalid one-way partition:\n  - ${problems.join('\n  - ')}`);
  requireKnown(byId, [...spec.from, ...spec.to]);

  const from = spec.from.map((id) => byId.get(id)!);
  const containers = spec.to.map((id) =>
    // In each `to` container, drop every packet from a `from` node that travels in the ORIGINAL direction
    // of its connection, i.e. on connections the `from` node opened: new ones (their SYN) and in-flight
    // ones (pooled keep-alive connections). Packets on connections this `to` node opened are REPLY
    // direction and pass. `--ctstate NEW` alone would let from's already-open connections keep working.
    containerPlan(byId.get(id)!, chain, { in: from.map((f) => ['-s', cidr(f.ip), '-m', 'conntrack', '--ctdir', 'ORIGINAL', '-j', 'DROP']), out: [] }),
  );
  const expectations: PairExpectation[] = [];
  for (const f of spec.from) {
    for (const t of spec.to) {
      expectations.push({ from: f, to: t, expected: false, why: 'one-way cut' });
      expectations.push({ from: t, to: f, expected: true, why: 'one-way reverse' });
    }
  }
  for (const side of [spec.from, spec.to]) {
    for (const a of side) for (const b of side) if (a !== b) expectations.push({ from: a, to: b, expected: true, why: 'same group' });
  }
  return { spec, chain, members: [...members], containers, expectations: sortPairs(expectations) };
}

/** The script for one container: create-if-missing and flush its chains, fill them, then jump to them. */
function containerPlan(member: Member, chain: string, rules: { in: IptablesArgs[]; out: IptablesArgs[] }): ContainerPlan {
  const hooks = [
    { hook: 'INPUT', name: `${chain}-IN`, rules: rules.in },
    { hook: 'OUTPUT', name: `${chain}-OUT`, rules: rules.out },
  ].filter((h) => h.rules.length > 0);
  const apply: IptablesStep[] = [];
  for (const h of hooks) {
    apply.push({ when: { check: ['-n', '-L', h.name], is: 'absent' }, run: [['-N', h.name]] });
    apply.push({ run: [['-F', h.name], ...h.rules.map((r) => ['-A', h.name, ...r])] });
  }
  // Jumps last: each chain takes effect at once, complete.
  for (const h of hooks) apply.push({ when: { check: ['-C', h.hook, '-j', h.name], is: 'absent' }, run: [['-I', h.hook, '1', '-j', h.name]] });
  // Heal: unhook first (the fault ends at that instant), then empty and delete the chains.
  const heal: IptablesStep[] = [
    ...hooks.map((h): IptablesStep => ({ when: { check: ['-C', h.hook, '-j', h.name], is: 'present' }, run: [['-D', h.hook, '-j', h.name]] })),
    ...hooks.map((h): IptablesStep => ({ when: { check: ['-n', '-L', h.name], is: 'present' }, run: [['-F', h.name], ['-X', h.name]] })),
  ];
  return { member, apply, heal };
}

/** A step as a shell line, for the report: `iptables -C … || iptables -I …`. */
export function renderStep(step: IptablesStep): string {
  const cmds = step.run.map(renderArgs).join(' && ');
  if (!step.when) return cmds;
  return `${renderArgs(step.when.check)} ${step.when.is === 'absent' ? '||' : '&&'} ${step.run.length > 1 ? `{ ${cmds}; }` : cmds}`;
}

export function renderArgs(args: IptablesArgs): string {
  return ['iptables', ...args].join(' ');
}

/** Every container's apply (or heal) script as shell lines, by node id: what the report shows. */
export function renderScripts(plan: PartitionPlan, which: 'apply' | 'heal'): Record<string, string[]> {
  return Object.fromEntries(plan.containers.map((c) => [c.member.id, c[which].map(renderStep)]));
}

/** A one-line description of a spec, for messages and the fault timeline. */
export function describeSpec(spec: PartitionSpec): string {
  if (spec.kind === 'one-way') return `one-way: [${spec.from.join(', ')}] cannot reach [${spec.to.join(', ')}]`;
  return Object.entries(spec.groups)
    .map(([name, ids]) => `${name}: [${ids.join(', ')}]`)
    .join(' | ');
}

function indexMembers(members: readonly Member[]): Map<string, Member> {
  const byId = new Map<string, Member>();
  const problems: string[] = [];
  for (const m of members) {
    if (byId.has(m.id)) problems.push(`two containers answer to node id "${m.id}" (${byId.get(m.id)!.name}, ${m.name})`);
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(m.ip)) problems.push(`member "${m.id}" has no IPv4 address on the network (got "${m.ip}")`);
    byId.set(m.id, m);
  }
  if (problems.length) throw new PartitionSpecError(`cannot plan on these members:\n  - ${problems.join('\n  - ')}`);
  return byId;
}

function requireKnown(byId: ReadonlyMap<string, Member>, ids: readonly string[]): void {
  const unknown = [...new Set(ids.filter((id) => !byId.has(id)))];
  if (unknown.length) {
    throw new PartitionSpecError(
      `unknown node id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}: not on the scenario network ` +
        `(members: ${[...byId.keys()].sort().join(', ') || 'none'})`,
    );
  }
}

function cidr(ip: string): string {
  return `${ip}/32`;
}

function sortPairs(pairs: PairExpectation[]): PairExpectation[] {
  return pairs.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}
