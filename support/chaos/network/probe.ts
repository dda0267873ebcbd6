// The reachability probe: TCP connects from inside one container's network namespace, made by a `node`
// run there the way this run reaches namespaces (netns.ts: the host's own node under nsenter, or the
// helper container's), so images need no tools; one process per source member
// connecting to all its targets at once. Each connect gets its own deadline, counted from the connect()
// call: a prober that starts late on a busy 2-core machine does not eat the budget (the bash/timeout probe
// this replaces counted its own start-up, and under load pairs that should connect timed out). A DROP rule
// shows as the deadline passing, a closed port (or a REJECT) as refused. And the verifications built on
// it: the partition holds, a lossy link is in place (rules listed, every pair connects at least once), and
// after a heal every pair connects again.
import pLimit from 'p-limit';
import { eventually, judge, WaitTimeoutError } from '../../checks/eventually';
import { DEFAULT_COMMAND_TIMEOUT_MS, listRules } from './iptables';
import { netns } from './netns';
import {
  attemptTally,
  checkRules,
  falseAlarmOdds,
  LIST_RULES_COMMAND,
  lossAttempts,
  lossProblemsOf,
  renderLossMatrix,
  type LossPairObservation,
  type LossRecord,
  type RuleCheck,
} from './loss';
import type { PairExpectation, PartitionPlan } from './plan';
import { classifyConnect, observe, problemsOf, renderMatrix, type PairObservation, type ProbeResult, type ReachabilityRecord } from './reachability';
import type { Member, PortOf } from './types';

/**
 * A connect's deadline. On the scenario's bridge network the kernel answers a SYN for a listening socket
 * within microseconds, whether or not the target process gets CPU, and the prober yields to I/O once more
 * before it declares a deadline (see PROBER): only a DROP rule makes a connect last this long. Every probe
 * round that proves a cut waits it out once (was 700 ms; ~20 cuts and heals a suite run).
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 400;
export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;
/**
 * Prober processes (one per source member) in flight at once: every member of the suite's largest
 * topology in one wave. Each connect's deadline counts from its connect() call, so a prober that starts
 * late for CPU loses nothing; at 8, a 10-member round took two waves (~1.5 s instead of ~0.9 s).
 */
export const DEFAULT_PROBE_CONCURRENCY = 16;
/** How long a prober process may take beyond its connect deadline before it is killed (start-up, exit). */
const PROBER_GRACE_MS = 3_000;

/**
 * The prober, run as `node -e PROBER <deadline ms> <ip:port>…`: one line of JSON per target, `{ target,
 * event: 'connect' | 'error' | 'deadline', code?, ms }`. When the deadline fires it yields once more to
 * I/O (setImmediate runs after the poll phase), so a handshake that completed while the prober was starved
 * of CPU is counted as connected rather than timed out. Plain JavaScript because it runs without a loader.
 */
const PROBER = String.raw`
const net = require('node:net');
const [deadline, ...targets] = process.argv.slice(1);
for (const target of targets) {
  const at = target.lastIndexOf(':');
  const started = performance.now();
  const socket = net.connect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
  let settled = false;
  const settle = (event, code) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    process.stdout.write(JSON.stringify({ target, event, code, ms: Math.round(performance.now() - started) }) + '\n');
  };
  socket.once('connect', () => settle('connect'));
  socket.once('error', (e) => settle('error', e.code));
  const timer = setTimeout(() => setImmediate(() => settle('deadline')), Number(deadline));
}
`;

/** One connect to probe: from `from`'s netns to `ip:port`. */
export interface ProbeTarget {
  readonly from: Member;
  readonly to: Pick<Member, 'ip'>;
  readonly port: number;
}

/**
 * Probes every target, one prober process per source member (at most `concurrency` at once); results in
 * the order of `targets`. A prober that fails or is killed leaves its targets `error` (never `timed-out`:
 * a harness failure is no evidence of a cut).
 */
export async function probeAll(targets: readonly ProbeTarget[], opts: ProbeOptions = {}): Promise<ProbeResult[]> {
  const timeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  for (const t of targets) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(t.to.ip)) throw new Error(`cannot probe "${t.to.ip}": not an IPv4 address`);
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new Error(`cannot probe port ${t.port}`);
  }
  const bySource = new Map<number, { from: Member; indexes: number[] }>();
  targets.forEach((t, i) => {
    const group = bySource.get(t.from.pid) ?? { from: t.from, indexes: [] };
    group.indexes.push(i);
    bySource.set(t.from.pid, group);
  });
  const results = new Array<ProbeResult>(targets.length);
  await pLimit(opts.concurrency ?? DEFAULT_PROBE_CONCURRENCY).map([...bySource.values()], async ({ from, indexes }) => {
    const addresses = indexes.map((i) => `${targets[i]!.to.ip}:${targets[i]!.port}`);
    const started = Date.now();
    // NODE_OPTIONS is the test process's own (a TypeScript loader, say): the prober needs none of it.
    const r = await netns().run(from, {
      program: netns().node,
      args: ['-e', PROBER, String(timeoutMs), ...addresses],
      timeoutMs: timeoutMs + PROBER_GRACE_MS,
      env: { NODE_OPTIONS: '' },
    });
    const lines = new Map<string, ProberLine>();
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed = JSON.parse(line) as ProberLine;
        lines.set(parsed.target, parsed);
      } catch {
        // a torn line from a killed prober: its target is reported as not probed below
      }
    }
    const why = r.killed
      ? `the prober in ${from.id}'s netns did not finish within ${timeoutMs + PROBER_GRACE_MS} ms`
      : `the prober in ${from.id}'s netns exited ${r.code}${r.stderr ? `: ${r.stderr.split('\n')[0]}` : ''}`;
    indexes.forEach((i, k) => {
      const line = lines.get(addresses[k]!);
      results[i] = line
        ? { outcome: classifyConnect(line.event, line.code), ms: line.ms, ...(line.code ? { detail: line.code } : {}) }
        : { outcome: 'error', ms: Date.now() - started, detail: why };
    });
  });
  return results;
}

interface ProberLine {
  readonly target: string;
  readonly event: 'connect' | 'error' | 'deadline';
  readonly code?: string;
  readonly ms: number;
}

/** One TCP connect from `from`'s netns to `to.ip:port`, bounded by `timeoutMs`. */
export async function probeConnect(from: Member, to: Pick<Member, 'ip'>, port: number, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const [result] = await probeAll([{ from, to, port }], { probeTimeoutMs: timeoutMs });
  return result!;
}

/** Can `from` open a TCP connection to `to` on `port` (from inside `from`'s network namespace)? */
export async function canConnect(from: Member, to: Member, port: number, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<boolean> {
  return (await probeConnect(from, to, port, timeoutMs)).outcome === 'connected';
}

export interface ProbeOptions {
  readonly probeTimeoutMs?: number;
  readonly concurrency?: number;
}

export interface MatrixCell extends ProbeResult {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly connected: boolean;
}

/** Every ordered pair of distinct members, probed on the target's port. */
export async function reachabilityMatrix(members: readonly Member[], port: PortOf, opts: ProbeOptions = {}): Promise<MatrixCell[]> {
  const pairs = members.flatMap((a) => members.filter((b) => b !== a).map((b) => ({ from: a, to: b, port: portFor(port, b) })));
  const results = await probeAll(pairs, opts);
  return pairs.map((p, i) => ({ from: p.from.id, to: p.to.id, port: p.port, connected: results[i]!.outcome === 'connected', ...results[i]! }));
}

export interface VerifyOptions extends ProbeOptions {
  /** Probe port of each target member. */
  readonly portOf: PortOf;
  /** Deadline for the expectation to hold (default 5 s). */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Ordered pairs that another, still active, partition cuts: not expected to connect, so left out of the
   * pairs expected to connect (pairs this plan cuts are still checked).
   */
  readonly except?: readonly { readonly from: string; readonly to: string }[];
  /**
   * Nodes down right now because of other faults (crashed, stopped, paused), asked before every probe
   * round: pairs with such a node are not probed in that round, since no partition can be judged by them.
   */
  readonly absent?: () => ReadonlySet<string>;
}

/** The expectation did not hold by the deadline; `record` holds the last observation of every pair. */
export class ReachabilityError extends Error {
  override name = 'ReachabilityError';
  constructor(
    message: string,
    readonly record: ReachabilityRecord,
  ) {
    super(message);
  }
}

/**
 * Proves the plan took effect: every cut pair cannot connect, the reverse of a one-way cut can, and pairs
 * within a group still connect. Polls until that holds or the deadline passes (then ReachabilityError).
 */
export function verifyPartition(plan: PartitionPlan, opts: VerifyOptions): Promise<ReachabilityRecord> {
  const byId = new Map(plan.members.map((m) => [m.id, m]));
  // A pair another active partition cuts cannot be expected to connect here.
  const skip = pairSet(opts.except);
  const pairs = plan.expectations.filter((e) => !(e.expected && skip.has(pairKey(e))));
  return verifyPairs(`the partition holds (${plan.chain})`, byId, pairs, opts);
}

/** Proves every ordered pair of `members` (but `except`) connects again (after a heal). */
export function verifyHealed(members: readonly Member[], opts: VerifyOptions): Promise<ReachabilityRecord> {
  const byId = new Map(members.map((m) => [m.id, m]));
  const skip = pairSet(opts.except);
  const pairs = members.flatMap((a) =>
    members
      .filter((b) => b !== a && !skip.has(pairKey({ from: a.id, to: b.id })))
      .map((b) => ({ from: a.id, to: b.id, expected: true, why: 'healed' as const })),
  );
  return verifyPairs('every pair of nodes connects again', byId, pairs, opts);
}

export interface LossVerifyOptions extends ProbeOptions {
  /** Probe port of each target member. */
  readonly portOf: PortOf;
  /** Connect attempts per pair before it counts as cut (default: lossAttempts(probability)). */
  readonly attempts?: number;
  /** Bound on each `iptables -S` (default 10 s). */
  readonly commandTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Ordered pairs another active fault cuts: left out (they cannot be expected to connect). */
  readonly except?: readonly { readonly from: string; readonly to: string }[];
}

/** A lossy link was not (entirely) in place; `record` holds every rule check and pair. */
export class LossVerificationError extends Error {
  override name = 'LossVerificationError';
  constructor(
    message: string,
    readonly record: LossRecord,
  ) {
    super(message);
  }
}

/**
 * Proves a loss plan took effect without asking a lossy link to behave like a cut: every container's
 * rules are listed (`iptables -S`) and match the plan, and every expected pair (lossy ones and group
 * mates) connects at least once within `attempts` tries. Runs once: no polling, the rules are either
 * there or not once the apply returned, and the attempts already absorb the loss.
 */
export async function verifyLoss(plan: PartitionPlan, opts: LossVerifyOptions): Promise<LossRecord> {
  if (plan.verify.mode !== 'loss') throw new Error(`verifyLoss needs a loss plan; ${plan.chain} is verified by ${plan.verify.mode}`);
  const { probability, perRuleProbability } = plan.verify;
  const started = Date.now();
  const byId = new Map(plan.members.map((m) => [m.id, m]));
  const skip = pairSet(opts.except);
  const targets = plan.expectations
    .filter((e) => !skip.has(pairKey(e)))
    .map((e) => {
      const from = byId.get(e.from);
      const to = byId.get(e.to);
      if (!from || !to) throw new Error(`pair ${e.from} → ${e.to} names a node that is not among the members (${[...byId.keys()].join(', ')})`);
      return { e, from, to, port: portFor(opts.portOf, to) };
    });
  const attempts = opts.attempts ?? lossAttempts(probability);
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`attempts per pair must be a positive integer; got ${attempts}`);

  const [ruleChecks, pairs] = await Promise.all([
    Promise.all(
      plan.containers.map(async (c): Promise<[string, RuleCheck]> => {
        try {
          return [c.member.id, checkRules(c.member.id, await listRules(c.member, opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS), c.chains)];
        } catch (e) {
          return [c.member.id, { command: LIST_RULES_COMMAND, chains: [], problems: [`${c.member.id}: could not list its rules: ${(e as Error).message}`] }];
        }
      }),
    ),
    attemptEach(targets, attempts, opts),
  ]);
  const rules = Object.fromEntries(ruleChecks);
  const problems = [...ruleChecks.flatMap(([, r]) => r.problems), ...lossProblemsOf(pairs, attempts)];
  const record: LossRecord = {
    mode: 'loss',
    checkedAt: new Date().toISOString(),
    ok: problems.length === 0,
    waitedMs: Date.now() - started,
    probability,
    perRuleProbability,
    attemptsPerPair: attempts,
    falseAlarmOdds: falseAlarmOdds(probability, attempts),
    rules,
    pairs,
    lossyAttempts: attemptTally(pairs),
    matrix: renderLossMatrix(pairs),
  };
  if (!record.ok) {
    throw new LossVerificationError(
      [
        `The lossy link ${plan.chain} (${+(probability * 100).toFixed(4)}% each way) is not in place (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.slice(0, 16).map((p) => `  - ${p}`),
        ...(problems.length > 16 ? [`  … and ${problems.length - 16} more`] : []),
        `(a healthy lossy pair fails all ${attempts} attempts with odds ${record.falseAlarmOdds.toExponential(1)})`,
        'Pairs (rows: from, columns: to; ok@n connected at attempt n, ~ lossy, LOST! never connected):',
        record.matrix.replace(/^/gm, '  '),
      ].join('\n'),
      record,
    );
  }
  return record;
}

type Expectation = PairExpectation | { from: string; to: string; expected: boolean; why: 'healed' };

async function verifyPairs(
  expectation: string,
  byId: ReadonlyMap<string, Member>,
  pairs: readonly Expectation[],
  opts: VerifyOptions,
): Promise<ReachabilityRecord> {
  const started = Date.now();
  let rounds = 0;
  let last: PairObservation[] = [];
  let lastAt = new Date().toISOString();
  // Resolve members and ports first: a wrong port or id is a mistake to report now, not a 5 s timeout.
  const targets = pairs.map((e) => {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (!from || !to) throw new Error(`pair ${e.from} → ${e.to} names a node that is not among the members (${[...byId.keys()].join(', ')})`);
    return { e, from, to, port: portFor(opts.portOf, to) };
  });
  const probeRound = async (): Promise<PairObservation[]> => {
    rounds++;
    const absent = opts.absent?.() ?? new Set<string>();
    const present = targets.filter(({ e }) => !absent.has(e.from) && !absent.has(e.to));
    const results = await probeAll(present, opts);
    last = present.map(({ e, port }, i) => observe(e, port, results[i]!));
    lastAt = new Date().toISOString();
    return last;
  };
  const record = (ok: boolean): ReachabilityRecord => ({
    checkedAt: lastAt,
    ok,
    rounds,
    waitedMs: Date.now() - started,
    pairs: last,
    matrix: renderMatrix(last),
  });
  try {
    await eventually(expectation, probeRound, (obs) => judge(problemsOf(obs)), {
      timeoutMs: opts.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
      intervalMs: opts.intervalMs ?? 100,
      signal: opts.signal,
    });
    return record(true);
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
    const r = record(false);
    const problems = last.length ? problemsOf(last) : [...e.problems, String(e.lastSeen)];
    throw new ReachabilityError(
      [
        `Timed out after ${(e.waitedMs / 1000).toFixed(1)} s (${rounds} probe round${rounds === 1 ? '' : 's'}) waiting until ${expectation}.`,
        `Still wrong at the deadline (${problems.length}):`,
        ...problems.slice(0, 16).map((p) => `  - ${p}`),
        ...(problems.length > 16 ? [`  … and ${problems.length - 16} more`] : []),
        'Last seen (rows: from, columns: to; ok/cut as expected, OPEN!/CUT! wrong):',
        r.matrix.replace(/^/gm, '  '),
      ].join('\n'),
      r,
    );
  }
}

const pairKey = (p: { readonly from: string; readonly to: string }) => `${p.from}\u0000${p.to}`;
const pairSet = (pairs: VerifyOptions['except']) => new Set((pairs ?? []).map(pairKey));

function portFor(port: PortOf, member: Member): number {
  return typeof port === 'number' ? port : port(member);
}

/**
 * Up to `attempts` connects per pair, stopping at a pair's first connect; each attempt is one probe round
 * over the pairs still unconnected, so a pair's attempts stay sequential while pairs go in parallel.
 */
async function attemptEach(
  targets: readonly { readonly e: PairExpectation; readonly from: Member; readonly to: Member; readonly port: number }[],
  attempts: number,
  opts: LossVerifyOptions,
): Promise<LossPairObservation[]> {
  const state = targets.map((t) => ({
    ...t,
    failures: [] as LossPairObservation['failures'][number][],
    connectedAt: 0,
    detail: undefined as string | undefined,
  }));
  for (let i = 1; i <= attempts; i++) {
    const pending = state.filter((s) => !s.connectedAt);
    if (pending.length === 0) break;
    opts.signal?.throwIfAborted();
    const results = await probeAll(pending, opts);
    pending.forEach((s, k) => {
      const r = results[k]!;
      if (r.outcome === 'connected') s.connectedAt = i;
      else {
        s.failures.push(r.outcome);
        s.detail = r.detail;
      }
    });
  }
  return state.map(({ e, port, failures, connectedAt, detail }) =>
    connectedAt
      ? { from: e.from, to: e.to, port, why: e.why, connected: true, attempts: connectedAt, failures }
      : { from: e.from, to: e.to, port, why: e.why, connected: false, attempts, failures, ...(detail ? { detail } : {}) },
  );
}
