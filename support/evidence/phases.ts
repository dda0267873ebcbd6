// Where scenario time goes, read from a run's cucumber messages (reports/cucumber-messages.ndjson):
// per scenario, the topology start, the heal waits, the other steps, and the hooks (the After hook is
// evidence and teardown); for the run, the BeforeAll and AfterAll hooks (image builds; draining the
// background reaper). `npm run bench -- --only phases` prints it for the last run (cli/bench/phases.ts).
import { readFile } from 'node:fs/promises';

export const PHASES = ['before hooks', 'topology start', 'heal waits', 'other steps', 'after hook'] as const;
export type Phase = (typeof PHASES)[number];

export interface ScenarioPhases {
  readonly name: string;
  readonly status: string;
  readonly ms: Record<Phase, number>;
}

export interface RunPhases {
  readonly scenarios: ScenarioPhases[];
  /** BeforeAll and AfterAll hooks of the run (ours and the formatters'), summed. */
  readonly beforeAllMs: number;
  readonly afterAllMs: number;
  /** From the run's start to its end, when the messages have both. */
  readonly wallMs?: number;
}

/** Steps that wait for a fault's window to end or a stopped node to come back. */
const HEAL_WAIT =
  /(faults|partition|certificate fault) ha(ve|s) healed|pause has ended|until all have healed|restarted and ready|started again and ready|restarted gracefully/;
const TOPOLOGY_START = /topology is running/;

type Timestamp = { seconds: number; nanos: number };
const ms = (t: Timestamp) => t.seconds * 1000 + t.nanos / 1e6;

interface Messages {
  hook?: { id: string; type: string };
  pickle?: { id: string; name: string; steps: { id: string; text: string }[] };
  testCase?: { id: string; pickleId: string; testSteps: { id: string; hookId?: string; pickleStepId?: string }[] };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: { testCaseStartedId: string; testStepId: string; testStepResult: { duration: Timestamp; status: string } };
  testCaseFinished?: { testCaseStartedId: string };
  testRunHookStarted?: { id: string; hookId: string };
  testRunHookFinished?: { testRunHookStartedId: string; result: { duration: Timestamp } };
  testRunStarted?: { timestamp: Timestamp };
  testRunFinished?: { timestamp: Timestamp };
}

export function phasesOf(ndjson: string): RunPhases {
  const hooks = new Map<string, string>();
  const stepText = new Map<string, string>();
  const pickles = new Map<string, string>();
  const testCases = new Map<string, { pickleId: string; steps: Map<string, { hookId?: string; pickleStepId?: string }> }>();
  const started = new Map<string, string>();
  const runHooks = new Map<string, string>();
  const byAttempt = new Map<string, ScenarioPhases & { ms: Record<Phase, number>; status: string }>();
  let beforeAllMs = 0;
  let afterAllMs = 0;
  let runStart: number | undefined;
  let runEnd: number | undefined;
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as Messages;
    if (m.hook) hooks.set(m.hook.id, m.hook.type);
    else if (m.pickle) {
      pickles.set(m.pickle.id, m.pickle.name);
      for (const s of m.pickle.steps) stepText.set(s.id, s.text);
    } else if (m.testCase) testCases.set(m.testCase.id, { pickleId: m.testCase.pickleId, steps: new Map(m.testCase.testSteps.map((s) => [s.id, s])) });
    else if (m.testCaseStarted) {
      started.set(m.testCaseStarted.id, m.testCaseStarted.testCaseId);
      const tc = testCases.get(m.testCaseStarted.testCaseId);
      byAttempt.set(m.testCaseStarted.id, {
        name: pickles.get(tc?.pickleId ?? '') ?? '?',
        status: 'UNKNOWN',
        ms: Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>,
      });
    } else if (m.testStepFinished) {
      const f = m.testStepFinished;
      const scenario = byAttempt.get(f.testCaseStartedId);
      const step = testCases.get(started.get(f.testCaseStartedId) ?? '')?.steps.get(f.testStepId);
      if (!scenario || !step) continue;
      const took = ms(f.testStepResult.duration);
      const phase: Phase = step.hookId
        ? hooks.get(step.hookId) === 'AFTER_TEST_CASE'
          ? 'after hook'
          : 'before hooks'
        : TOPOLOGY_START.test(stepText.get(step.pickleStepId ?? '') ?? '')
          ? 'topology start'
          : HEAL_WAIT.test(stepText.get(step.pickleStepId ?? '') ?? '')
            ? 'heal waits'
            : 'other steps';
      scenario.ms[phase] += took;
      // The first step that did not pass names the scenario's status.
      if (scenario.status === 'UNKNOWN' || scenario.status === 'PASSED') scenario.status = f.testStepResult.status;
    } else if (m.testRunHookStarted) runHooks.set(m.testRunHookStarted.id, hooks.get(m.testRunHookStarted.hookId) ?? '');
    else if (m.testRunHookFinished) {
      const took = ms(m.testRunHookFinished.result.duration);
      if (runHooks.get(m.testRunHookFinished.testRunHookStartedId) === 'AFTER_TEST_RUN') afterAllMs += took;
      else beforeAllMs += took;
    } else if (m.testRunStarted) runStart = ms(m.testRunStarted.timestamp);
    else if (m.testRunFinished) runEnd = ms(m.testRunFinished.timestamp);
  }
  return {
    scenarios: [...byAttempt.values()],
    beforeAllMs,
    afterAllMs,
    ...(runStart !== undefined && runEnd !== undefined ? { wallMs: runEnd - runStart } : {}),
  };
}

export async function readPhases(path: string): Promise<RunPhases> {
  return phasesOf(await readFile(path, 'utf8'));
}
