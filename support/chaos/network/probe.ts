// The reachability probe: a TCP connect from inside one container's netns to another's IP and port,
// made with the host's bash (`</dev/tcp/IP/PORT`) under coreutils `timeout`. Exit 0 = the handshake
// completed; a DROP rule shows as a timeout, a closed port (or a REJECT) as refused. And the verifications
// built on it: the partition holds, a lossy link is in place (rules listed, every pair connects at least
// once), and after a heal every pair connects again.
import { eventually, judge, WaitTimeoutError } from '../../checks/eventually';
import { DEFAULT_COMMAND_TIMEOUT_MS, listRules, runInNetns } from './iptables';
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
import { classifyProbe, observe, problemsOf, renderMatrix, type PairObservation, type ProbeResult, type ReachabilityRecord } from './reachability';
import type { Member, PortOf } from './types';

export const DEFAULT_PROBE_TIMEOUT_MS = 700;
export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;
/** Probes in flight at once: each is three short-lived processes, mostly waiting on the network. */
export const DEFAULT_PROBE_CONCURRENCY = 32;

/** One TCP connect from `from`'s netns to `to.ip:port`, bounded by `timeoutMs`. */
export async function probeConnect(from: Member, to: Pick<Member, 'ip'>, port: number, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(to.ip)) throw new Error(`cannot probe "${to.ip}": not an IPv4 address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`cannot probe port ${port}`);
  const started = Date.now();
  // IP and port reach bash as positional parameters, never spliced into the script.
  const seconds = (timeoutMs / 1000).toFixed(3);
  const r = await runInNetns(from, 'timeout', ['-k', '1', seconds, 'bash', '-c', ': <"/dev/tcp/$1/$2"', 'probe', to.ip, String(port)], timeoutMs + 3_000);
  const ms = Date.now() - started;
  const detail = r.stderr.replace(/^bash: (line \d+: )?/gm, '').split('\n')[0]?.trim();
  const outcome = r.killed ? 'timed-out' : /^nsenter: /m.test(r.stderr) ? 'error' : classifyProbe(r.code, r.stderr);
  return { outcome, ms, ...(detail ? { detail } : {}) };
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
  const pairs = members.flatMap((a) => members.filter((b) => b !== a).map((b) => [a, b] as const));
  return mapLimit(pairs, opts.concurrency ?? DEFAULT_PROBE_CONCURRENCY, async ([a, b]) => {
    const p = portFor(port, b);
    const r = await probeConnect(a, b, p, opts.probeTimeoutMs);
    return { from: a.id, to: b.id, port: p, connected: r.outcome === 'connected', ...r };
  });
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
    members.filter((b) => b !== a && !skip.has(pairKey({ from: a.id, to: b.id }))).map((b) => ({ from: a.id, to: b.id, expected: true, why: 'healed' as const })),
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
    mapLimit(targets, opts.concurrency ?? DEFAULT_PROBE_CONCURRENCY, async ({ e, from, to, port }): Promise<LossPairObservation> => {
      const failures: LossPairObservation['failures'][number][] = [];
      let detail: string | undefined;
      for (let i = 1; i <= attempts; i++) {
        opts.signal?.throwIfAborted();
        const r = await probeConnect(from, to, port, opts.probeTimeoutMs);
        if (r.outcome === 'connected') return { from: e.from, to: e.to, port, why: e.why, connected: true, attempts: i, failures };
        failures.push(r.outcome);
        detail = r.detail;
      }
      return { from: e.from, to: e.to, port, why: e.why, connected: false, attempts, failures, ...(detail ? { detail } : {}) };
    }),
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
  const probeAll = async (): Promise<PairObservation[]> => {
    rounds++;
    const absent = opts.absent?.() ?? new Set<string>();
    const present = targets.filter(({ e }) => !absent.has(e.from) && !absent.has(e.to));
    const observed = await mapLimit(present, opts.concurrency ?? DEFAULT_PROBE_CONCURRENCY, async ({ e, from, to, port }) =>
      observe(e, port, await probeConnect(from, to, port, opts.probeTimeoutMs)),
    );
    last = observed;
    lastAt = new Date().toISOString();
    return observed;
  };
  const record = (ok: boolean): ReachabilityRecord => ({ checkedAt: lastAt, ok, rounds, waitedMs: Date.now() - started, pairs: last, matrix: renderMatrix(last) });
  try {
    await eventually(expectation, probeAll, (obs) => judge(problemsOf(obs)), {
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

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
