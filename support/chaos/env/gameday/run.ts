// Runs a game day's faults on its own clock: each starts at its offset and is healed at the end of its
// window; Ctrl-C (or SIGTERM) heals every fault still open before the CLI exits. The windows are the
// faults' bounds, not waits for the cluster: nothing here sleeps to synchronise.
import { removeRun } from '../../../cluster/teardown';
import type { FaultRequest } from './requests';
import { GameDay, prepareNetfaults } from './engine';

const NETWORK = new Set(['partition', 'loss', 'one-way cut', 'bridge', 'majorities ring']);

/** When a step's fault was in place: from the moment it was applied to the moment its heal finished (epoch ms). */
export interface FaultWindow {
  readonly step: FaultRequest;
  readonly startedAt: number;
  readonly healedAt: number;
}

export interface GameDayResult {
  readonly started: number;
  readonly failures: readonly string[];
  /** The steps that ran, as they really ran: applying and healing take time, so these are not the plan's offsets. */
  readonly windows: readonly FaultWindow[];
}

export async function runGameDay(steps: readonly FaultRequest[], log: (line: string) => void): Promise<GameDayResult> {
  if (steps.some((s) => NETWORK.has(s.fault.kind))) await prepareNetfaults(log);
  const day = await GameDay.open(log);
  log(`environment: topology ${day.topology.name}, network ${day.env.network}`);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: healing ${day.active.length} open fault(s) before exiting`);
    void day
      .healAll()
      .then(() => removeRun())
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = Date.now();
  const failures: string[] = [];
  const windows: FaultWindow[] = [];
  let started = 0;
  await Promise.all(
    steps.map(async (step) => {
      await until(t0 + step.startMs);
      if (interrupted) return;
      try {
        const active = await day.start(step);
        const startedAt = Date.now();
        started++;
        await until(t0 + step.startMs + step.durationMs);
        await active.heal();
        windows.push({ step, startedAt, healedAt: Date.now() });
      } catch (e) {
        failures.push(`${step.text}: ${(e as Error).message}`);
        log(`failed: ${step.text}: ${(e as Error).message}`);
      }
    }),
  );
  await day.healAll();
  // The helpers this CLI started in the members' namespaces (helper mode) go with it.
  await removeRun();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return { started, failures, windows };
}

const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
