// Verifying a lossy link: pure. Random loss is not a cut, so a connect/no-connect matrix cannot prove it.
// Instead: (1) each container's rules, as `iptables -S` lists them, are the planned ones (count, addresses,
// probability, hooked into INPUT/OUTPUT), and (2) every expected pair still connects at least once within a
// number of attempts chosen so that a healthy lossy pair fails them all only with negligible odds. How many
// attempts failed is recorded as evidence of the loss, not judged (that would need many more probes).
import type { PairReason, PlannedChain } from './plan';
import { renderPairMatrix, type ProbeOutcome } from './reachability';

/** What `iptables -S` showed of one planned chain in one container. */
export interface ChainCheck {
  readonly chain: string;
  readonly hook: 'INPUT' | 'OUTPUT';
  /** `-A <hook> -j <chain>` is listed. */
  readonly hooked: boolean;
  readonly expectedRules: number;
  /** `-A <chain> …` lines listed. */
  readonly foundRules: number;
  /** Planned rules with no listed match (same address, same statistic probability), rendered. */
  readonly missing: readonly string[];
}

/** The rule check of one container: the command, what it found per chain, and what is wrong. */
export interface RuleCheck {
  readonly command: string;
  readonly chains: readonly ChainCheck[];
  readonly problems: readonly string[];
}

export const LIST_RULES_COMMAND = 'iptables -S';

/** Probabilities listed by iptables (`%.11f` of a 2^-31 fixed point) match the planned ones within this. */
const PROBABILITY_TOLERANCE = 1e-6;

/**
 * Judges `iptables -S` output (the whole filter table of one container's netns) against the chains the
 * plan put there: each chain hooked into its INPUT/OUTPUT, holding exactly the planned number of rules,
 * each planned rule listed (address and, for loss rules, probability). `node` names the container.
 */
export function checkRules(node: string, listing: string, chains: readonly PlannedChain[]): RuleCheck {
  const lines = listing
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const problems: string[] = [];
  const checks = chains.map((c): ChainCheck => {
    const hooked = lines.some((l) => sameWords(l, `-A ${c.hook} -j ${c.name}`));
    const listed = lines.filter((l) => l.startsWith(`-A ${c.name} `)).map(parseRule);
    const unmatched = [...listed];
    const missing: string[] = [];
    for (const rule of c.rules) {
      const want = parseRule(['-A', c.name, ...rule].join(' '));
      const i = unmatched.findIndex((got) => ruleMatches(want, got));
      if (i >= 0) unmatched.splice(i, 1);
      else missing.push(['-A', c.name, ...rule].join(' '));
    }
    if (!lines.some((l) => sameWords(l, `-N ${c.name}`))) problems.push(`${node}: chain ${c.name} does not exist`);
    else {
      if (!hooked) problems.push(`${node}: chain ${c.name} is not hooked into ${c.hook} (no \`-A ${c.hook} -j ${c.name}\`)`);
      if (listed.length !== c.rules.length) problems.push(`${node}: chain ${c.name} holds ${listed.length} rule(s), expected ${c.rules.length}`);
      for (const m of missing) problems.push(`${node}: rule not listed: ${m}`);
      for (const u of unmatched) problems.push(`${node}: unexpected rule: ${u.text}`);
    }
    return { chain: c.name, hook: c.hook, hooked, expectedRules: c.rules.length, foundRules: listed.length, missing };
  });
  return { command: LIST_RULES_COMMAND, chains: checks, problems };
}

interface ParsedRule {
  readonly text: string;
  readonly source?: string;
  readonly destination?: string;
  readonly probability?: number;
  readonly target?: string;
}

function parseRule(text: string): ParsedRule {
  const words = text.split(/\s+/);
  const after = (flag: string) => {
    const i = words.indexOf(flag);
    return i >= 0 ? words[i + 1] : undefined;
  };
  const probability = after('--probability');
  return {
    text,
    source: after('-s'),
    destination: after('-d'),
    ...(probability !== undefined ? { probability: Number(probability) } : {}),
    target: after('-j'),
  };
}

function ruleMatches(want: ParsedRule, got: ParsedRule): boolean {
  if (want.source !== got.source || want.destination !== got.destination || want.target !== got.target) return false;
  if (want.probability === undefined) return got.probability === undefined;
  return got.probability !== undefined && Math.abs(got.probability - want.probability) <= PROBABILITY_TOLERANCE;
}

const sameWords = (a: string, b: string) => a.split(/\s+/).join(' ') === b;

/**
 * Attempts per pair. A TCP connect needs the SYN and the SYN-ACK through, so under loss p (each direction)
 * one attempt succeeds with (1 - p)^2; `attempts` is the fewest that a healthy pair fails all of with odds
 * below `falseAlarm`, at least `min`, at most `max`. Attempts stop at the first connect, so the usual cost
 * is one or two; the count matters only for a pair that is really cut.
 */
export function lossAttempts(p: number, { falseAlarm = 1e-5, min = 3, max = 60 }: { falseAlarm?: number; min?: number; max?: number } = {}): number {
  const failOnce = 1 - (1 - p) ** 2;
  const needed = failOnce <= 0 ? 1 : Math.ceil(Math.log(falseAlarm) / Math.log(failOnce));
  return Math.max(min, Math.min(max, needed));
}

/** The odds that a healthy pair under loss p fails `attempts` connects in a row. */
export function falseAlarmOdds(p: number, attempts: number): number {
  return (1 - (1 - p) ** 2) ** attempts;
}

/** One ordered pair under a lossy link: did it connect, after how many attempts, and what the failures were. */
export interface LossPairObservation {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly why: PairReason;
  readonly connected: boolean;
  /** Attempts made: the one that connected is the last. */
  readonly attempts: number;
  /** Outcomes of the failed attempts, in order. */
  readonly failures: readonly ProbeOutcome[];
  /** The last failed attempt's stderr, if any. */
  readonly detail?: string;
}

export function lossPairProblem(p: LossPairObservation, maxAttempts: number): string | undefined {
  if (p.connected) return undefined;
  return `${p.from} → ${p.to}:${p.port} should connect at least once (${p.why}) but failed all ${maxAttempts} attempts (${summarize(p.failures)})${p.detail ? `: ${p.detail}` : ''}`;
}

export function lossProblemsOf(pairs: readonly LossPairObservation[], maxAttempts: number): string[] {
  return pairs.map((p) => lossPairProblem(p, maxAttempts)).filter((x): x is string => x !== undefined);
}

function summarize(outcomes: readonly ProbeOutcome[]): string {
  const counts = new Map<ProbeOutcome, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([o, n]) => `${n}× ${o}`).join(', ') || 'no attempt';
}

/** Connect attempts made and failed over the pairs `why` selects (the lossy ones): evidence, not verdict. */
export function attemptTally(pairs: readonly LossPairObservation[], why: PairReason = 'lossy'): { readonly made: number; readonly failed: number } {
  const selected = pairs.filter((p) => p.why === why);
  return { made: selected.reduce((n, p) => n + p.attempts, 0), failed: selected.reduce((n, p) => n + p.failures.length, 0) };
}

/**
 * Rows are `from`, columns are `to`. Cells: `ok` connected at the first attempt, `ok@3` at the third (two
 * attempts lost), `LOST!` never connected, `.` not checked, `-` self. Lossy pairs are marked `~`.
 */
export function renderLossMatrix(pairs: readonly LossPairObservation[]): string {
  return renderPairMatrix(pairs, (p) => {
    const mark = p.why === 'lossy' ? '~' : '';
    return p.connected ? `${mark}ok${p.attempts > 1 ? `@${p.attempts}` : ''}` : `${mark}LOST!`;
  });
}

/** The verification record of a loss fault: what `record.verification` holds when `mode` is `loss`. */
export interface LossRecord {
  readonly mode: 'loss';
  /** ISO time the last pair settled. */
  readonly checkedAt: string;
  readonly ok: boolean;
  readonly waitedMs: number;
  /** The spec's loss on the path, and what each rule drops. */
  readonly probability: number;
  readonly perRuleProbability: number;
  /** The most attempts a pair was given, and the odds a healthy lossy pair fails them all. */
  readonly attemptsPerPair: number;
  readonly falseAlarmOdds: number;
  /** Per node with rules: the `iptables -S` check. */
  readonly rules: Readonly<Record<string, RuleCheck>>;
  readonly pairs: readonly LossPairObservation[];
  /** Over the lossy pairs: connect attempts made and failed (evidence of loss, not judged). */
  readonly lossyAttempts: { readonly made: number; readonly failed: number };
  /** The pairs as a text matrix (rows: from, columns: to). */
  readonly matrix: string;
}
