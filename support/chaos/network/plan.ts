// The partition planner: pure. Given the members of a scenario network and a partition spec, it says
// which iptables commands to run in which container's network namespace to apply the partition and to
// heal it, which ordered pairs of nodes must (not) connect while it holds, and how to verify it: by
// reachability (groups, one-way, pairs: cut pairs time out, the others connect) or, for a lossy link
// (loss), by listing the rules and connecting each pair at least once.
//
// Rules live in dedicated chains per fault (`<chain>-IN` jumped to from INPUT, `<chain>-OUT` from OUTPUT)
// in the filter table of each container's own netns, so that a heal removes exactly what the apply added,
// is idempotent, and never touches Docker's rules (Docker keeps only its DNS NAT rules in a container's
// netns; its filter rules live in the host's netns).
import type { GroupsSpec, LossSpec, Member, OneWaySpec, PairsSpec, PartitionSpec } from './types';

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

/** One of this fault's chains in one container: where it is hooked, and the rules it holds once applied. */
export interface PlannedChain {
  readonly name: string;
  readonly hook: 'INPUT' | 'OUTPUT';
  /** Each rule's match and target, without `-A <chain>` (as `iptables -A <chain> …rule` takes it). */
  readonly rules: readonly IptablesArgs[];
}

export interface ContainerPlan {
  readonly member: Member;
  /** The chains the apply steps create and fill (what a rule check expects to find). */
  readonly chains: readonly PlannedChain[];
  readonly apply: readonly IptablesStep[];
  readonly heal: readonly IptablesStep[];
}

/**
 * Why a pair is expected to (not) connect: `cut` (groups / pairs), `not cut` (pairs: among the nodes named
 * but not listed), `lossy` (loss: across the two groups, expected to connect at least once).
 */
export type PairReason = 'cut' | 'not cut' | 'one-way cut' | 'one-way reverse' | 'same group' | 'lossy';

/** An ordered pair the verification probes: can `from` open a TCP connection to `to`? */
export interface PairExpectation {
  readonly from: string;
  readonly to: string;
  readonly expected: boolean;
  readonly why: PairReason;
}

/**
 * How the fault is proven in place. `reachability`: every expectation holds in one probe round (cut pairs
 * time out, the others connect). `loss`: a lossy link is not a cut, so instead every container's rules are
 * listed and counted, and every expected pair connects at least once in a few attempts.
 */
export type VerificationMode =
  | { readonly mode: 'reachability' }
  | {
      readonly mode: 'loss';
      /** The spec's per-packet loss on the path, each direction. */
      readonly probability: number;
      /** What each rule drops (a packet meets two: the sender's OUTPUT and the receiver's INPUT). */
      readonly perRuleProbability: number;
    };

export interface PartitionPlan {
  readonly spec: PartitionSpec;
  readonly verify: VerificationMode;
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
    case 'pairs':
      return planPairs(byId, members, spec, chain);
    case 'loss':
      return planLoss(byId, members, spec, chain);
    default:
      throw new PartitionSpecError(`unknown partition kind "${(spec as { kind?: unknown }).kind}" (expected "groups", "one-way", "pairs" or "loss")`);
  }
}

const REACHABILITY: VerificationMode = { mode: 'reachability' };

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
      containers.push(
        containerPlan(member, chain, {
          in: others.map((o) => ['-s', cidr(o.ip), '-j', 'DROP']),
          out: others.map((o) => ['-d', cidr(o.ip), '-j', 'DROP']),
        }),
      );
      for (const o of others) expectations.push({ from: id, to: o.id, expected: false, why: 'cut' });
      for (const mate of spec.groups[name]!) if (mate !== id) expectations.push({ from: id, to: mate, expected: true, why: 'same group' });
    }
  }
  return { spec, verify: REACHABILITY, chain, members: [...members], containers, expectations: sortPairs(expectations) };
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
  return { spec, verify: REACHABILITY, chain, members: [...members], containers, expectations: sortPairs(expectations) };
}

function planPairs(byId: ReadonlyMap<string, Member>, members: readonly Member[], spec: PairsSpec, chain: string): PartitionPlan {
  const problems: string[] = [];
  const cut = Array.isArray(spec.cut) ? spec.cut : [];
  if (cut.length === 0) problems.push('"cut" lists no pair (a partition that cuts nothing cannot be verified as one)');
  const seen = new Map<string, number>();
  const valid: (readonly [string, string])[] = [];
  cut.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((id) => typeof id === 'string' && id.length > 0)) {
      problems.push(`cut[${i}] is not a pair of node ids (got ${JSON.stringify(pair)})`);
      return;
    }
    const [a, b] = pair;
    if (a === b) {
      problems.push(`cut[${i}] pairs "${a}" with itself`);
      return;
    }
    const key = unorderedKey(a, b);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`cut[${i}] ["${a}", "${b}"] repeats cut[${first}] ["${cut[first]![0]}", "${cut[first]![1]}"] (pairs are unordered: each is cut both ways)`);
      return;
    }
    seen.set(key, i);
    valid.push([a, b]);
  });
  const extra = spec.nodes ?? [];
  const dup = extra.filter((id, i) => extra.indexOf(id) !== i);
  if (dup.length) problems.push(`"nodes" lists ${[...new Set(dup)].map((d) => `"${d}"`).join(', ')} more than once`);
  if (problems.length) throw new PartitionSpecError(`invalid pairs partition:\n  - ${problems.join('\n  - ')}`);

  // Every node named, in the order the spec names it: `nodes` first, then as the cut pairs bring them in.
  const named = [...new Set([...extra, ...valid.flat()])];
  requireKnown(byId, named);

  const partners = new Map<string, string[]>(named.map((id) => [id, []]));
  for (const [a, b] of valid) {
    partners.get(a)!.push(b);
    partners.get(b)!.push(a);
  }
  // Like groups: each side of a cut pair drops the other's packets on INPUT and its own to the other on
  // OUTPUT, so the pair stays cut even if one container restarts and loses its rules.
  const containers = named
    .filter((id) => partners.get(id)!.length > 0)
    .map((id) => {
      const others = partners.get(id)!.map((o) => byId.get(o)!);
      return containerPlan(byId.get(id)!, chain, {
        in: others.map((o) => ['-s', cidr(o.ip), '-j', 'DROP']),
        out: others.map((o) => ['-d', cidr(o.ip), '-j', 'DROP']),
      });
    });
  const expectations: PairExpectation[] = [];
  for (const from of named) {
    for (const to of named) {
      if (from === to) continue;
      const isCut = seen.has(unorderedKey(from, to));
      expectations.push({ from, to, expected: !isCut, why: isCut ? 'cut' : 'not cut' });
    }
  }
  return { spec, verify: REACHABILITY, chain, members: [...members], containers, expectations: sortPairs(expectations) };
}

function planLoss(byId: ReadonlyMap<string, Member>, members: readonly Member[], spec: LossSpec, chain: string): PartitionPlan {
  const problems: string[] = [];
  const p = spec.probability;
  if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0 || p >= 1) {
    const hint = typeof p === 'number' && p >= 1 ? ' (a loss of 1 drops everything: use a groups or pairs partition)' : '';
    problems.push(`"probability" must be a number strictly between 0 and 1; got ${JSON.stringify(p)}${hint}`);
  }
  const between = spec.between ?? { a: [], b: [] };
  for (const side of ['a', 'b'] as const) {
    const ids = between[side] ?? [];
    if (ids.length === 0) problems.push(`"between.${side}" names no node`);
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dup.length) problems.push(`"between.${side}" lists ${[...new Set(dup)].map((d) => `"${d}"`).join(', ')} more than once`);
  }
  const a = between.a ?? [];
  const b = between.b ?? [];
  const both = a.filter((id) => b.includes(id));
  if (both.length) problems.push(`${[...new Set(both)].map((d) => `"${d}"`).join(', ')} cannot be on both sides of a lossy link`);
  let perRule = '';
  if (!problems.length) {
    perRule = formatProbability(perRuleProbability(p));
    if (Number(perRule) === 0) problems.push(`"probability" ${p} is below what iptables' statistic match can express (2^-31 per rule)`);
  }
  if (problems.length) throw new PartitionSpecError(`invalid loss spec:\n  - ${problems.join('\n  - ')}`);
  requireKnown(byId, [...a, ...b]);

  // A packet from a (in group a) to b (in group b) meets two of our rules: a's OUTPUT (-d b) and b's INPUT
  // (-s a), each dropping independently with q. It arrives with (1 - q)^2, so q = 1 - sqrt(1 - p) makes the
  // loss on the path exactly p, each direction. Rules on both ends, as for groups, keep the link lossy if
  // one end restarts (then at q rather than p).
  const statistic = ['-m', 'statistic', '--mode', 'random', '--probability', perRule, '-j', 'DROP'];
  const containers: ContainerPlan[] = [];
  const expectations: PairExpectation[] = [];
  for (const [mine, theirs] of [
    [a, b],
    [b, a],
  ] as const) {
    const others = theirs.map((o) => byId.get(o)!);
    for (const id of mine) {
      containers.push(
        containerPlan(byId.get(id)!, chain, {
          in: others.map((o) => ['-s', cidr(o.ip), ...statistic]),
          out: others.map((o) => ['-d', cidr(o.ip), ...statistic]),
        }),
      );
      for (const o of theirs) expectations.push({ from: id, to: o, expected: true, why: 'lossy' });
      for (const mate of mine) if (mate !== id) expectations.push({ from: id, to: mate, expected: true, why: 'same group' });
    }
  }
  return {
    spec,
    verify: { mode: 'loss', probability: p, perRuleProbability: Number(perRule) },
    chain,
    members: [...members],
    containers,
    expectations: sortPairs(expectations),
  };
}

/** Per-rule drop probability q such that a packet crossing two independent rules is lost with p. */
export function perRuleProbability(p: number): number {
  return 1 - Math.sqrt(1 - p);
}

/**
 * A probability as iptables' statistic match reads it: fixed-point, 10 decimals (the kernel keeps it as a
 * fraction of 2^31, about 4.7e-10), trailing zeros dropped: 0.2, 0.105572809.
 */
export function formatProbability(q: number): string {
  return q.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
}

/** The script for one container: create-if-missing and flush its chains, fill them, then jump to them. */
function containerPlan(member: Member, chain: string, rules: { in: IptablesArgs[]; out: IptablesArgs[] }): ContainerPlan {
  const hooks = [
    { hook: 'INPUT' as const, name: `${chain}-IN`, rules: rules.in },
    { hook: 'OUTPUT' as const, name: `${chain}-OUT`, rules: rules.out },
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
    ...hooks.map((h): IptablesStep => ({
      when: { check: ['-n', '-L', h.name], is: 'present' },
      run: [
        ['-F', h.name],
        ['-X', h.name],
      ],
    })),
  ];
  return { member, chains: hooks, apply, heal };
}

/**
 * Ordered pairs that cannot be expected to connect in any one probe while this plan is active: the pairs
 * it cuts, and for a loss plan the lossy pairs (they connect, but not at every attempt). Other faults'
 * verifications and heal verifications leave these out while this plan is active.
 */
export function impairedPairs(plan: PartitionPlan): { from: string; to: string; how: 'cut' | 'lossy' }[] {
  return plan.expectations
    .filter((e) => !e.expected || e.why === 'lossy')
    .map((e) => ({ from: e.from, to: e.to, how: e.expected ? ('lossy' as const) : ('cut' as const) }));
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
  if (spec.kind === 'pairs') {
    if (spec.label) return spec.label;
    const inCut = new Set(spec.cut.flat());
    const alsoChecked = (spec.nodes ?? []).filter((id) => !inCut.has(id));
    return `cut: ${spec.cut.map(([a, b]) => `${a}–${b}`).join(', ')}${alsoChecked.length ? ` (also checked: ${alsoChecked.join(', ')})` : ''}`;
  }
  if (spec.kind === 'loss') {
    return `loss ${+(spec.probability * 100).toFixed(4)}%: [${spec.between.a.join(', ')}] <-> [${spec.between.b.join(', ')}]`;
  }
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

function unorderedKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function cidr(ip: string): string {
  return `${ip}/32`;
}

function sortPairs(pairs: PairExpectation[]): PairExpectation[] {
  return pairs.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}
