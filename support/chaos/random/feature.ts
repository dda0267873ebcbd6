// A random case as a feature file: the same steps an author would write, so a case that fails is a
// scenario anyone can read, rerun alone (`npm run bdd -- <file>`) and keep. Pure.
import { scheduleTable, type RandomCase, type Workload } from './case';

/** How the clients load the cluster, and the invariant that judges what they saw. */
const WORKLOAD_STEPS: Record<Workload, { traffic: string; maxClients: number; check: string }> = {
  'key-value': { traffic: 'kv-write-once', maxClients: 16, check: 'no acknowledged key-value write was lost' },
  // Few clients: the linearizability search grows fast with concurrency, and an undecided search fails the step.
  register: { traffic: 'kv-register', maxClients: 4, check: 'the key-value history of shard-21 is linearizable' },
  counter: { traffic: 'counter-increments', maxClients: 16, check: 'every counter read was within the acknowledged and attempted increments' },
  set: { traffic: 'set-adds', maxClients: 16, check: 'no acknowledged add to a set was lost' },
  sequence: { traffic: '', maxClients: 8, check: 'the cluster-wide sequence never repeated a number across at least 5 draws' },
};

/**
 * Calls acknowledged before the faults start: more than the 50 the history checkers need to judge at all
 * (support/scenario/nouns/shard-data.ts), so that a short schedule with few clients is still judged
 * rather than failing for want of history.
 */
const ACKNOWLEDGED_BEFORE_FAULTS = 120;
/** Calls per second per client (at least 25/s in all): 120 calls within about 5 s whatever the client count. */
const RATE_PER_CLIENT = 25;

export interface FeatureText {
  /** The scenario's name: `--name` selects it, the report shows it. */
  readonly scenario: string;
  /** Tags for the feature line (`@found`) and the scenario (`@catches:<defect>`), without the ones every case has. */
  readonly featureTags: readonly string[];
  readonly scenarioTags: readonly string[];
  /** Lines of free text under the Feature line (Gherkin description). */
  readonly description: readonly string[];
}

/** The case's steps, indented for a scenario. */
export function caseSteps(c: RandomCase): string[] {
  const w = WORKLOAD_STEPS[c.workload];
  const clients = Math.min(c.clients, w.maxClients);
  const load =
    c.workload === 'sequence'
      ? [`When ${clients} clients draw from the cluster-wide sequence through every node`, 'And within 15 seconds at least 5 numbers have been drawn']
      : [
          `When ${clients} clients at ${Math.min(200, RATE_PER_CLIENT * clients)} calls per second replay the "${w.traffic}" traffic through every node for at most 120 seconds`,
          `And at least ${ACKNOWLEDGED_BEFORE_FAULTS} calls have been acknowledged within 30 seconds`,
        ];
  return [
    `Given the "${c.topology}" topology is running`,
    'And within 20 seconds every node reports the same global leader',
    'And within 15 seconds every node routes by the same shard map',
    ...load,
    'And these faults run, overlapping, until all have healed:',
    ...scheduleTable(c).map((row) => `  ${row}`),
    'And the clients stop',
    'Then within 30 seconds every node reports the same global leader',
    'And within 30 seconds every node routes by the same shard map',
    'And no scope ever had two leaders',
    'And terms and fence tokens only ever increased',
    `And ${w.check}`,
  ];
}

/** The capabilities the case's steps need (steps/ declares them; the runner skips a case the image does not announce). */
export function requiresTags(c: RandomCase): string[] {
  const needs = [c.workload === 'sequence' ? 'feature:mesh-sequence' : 'feature:mesh-entities'];
  if (c.faults.some((f) => f.fault.startsWith('clock '))) needs.push('feature:mesh-clock-skew');
  return needs.map((n) => `@requires:${n}`);
}

export function featureFile(c: RandomCase, text: FeatureText): string {
  const lines = [
    ...(text.featureTags.length > 0 ? [text.featureTags.join(' ')] : []),
    `Feature: ${text.scenario}`,
    ...text.description.map((d) => (d === '' ? '' : `  ${d}`)),
    '',
    ...[...text.scenarioTags, requiresTags(c).join(' ')].map((t) => `  ${t}`),
    `  Scenario: ${text.scenario}`,
    ...caseSteps(c).map((s) => `    ${s}`),
    '',
  ];
  return lines.join('\n');
}
