// Runs a game day's faults on its own clock: each starts at its offset and is healed at the end of its
// window; Ctrl-C (or SIGTERM) heals every fault still open before the CLI exits. The windows are the
// faults' bounds, not waits for the cluster: nothing here sleeps to synchronise.
import { removeRun } from '../../../cluster/teardown';
import type { FaultRequest } from './requests';
import { GameDay, prepareNetfaults } from './engine';

const NETWORK = new Set(['partition', 'loss', 'one-way cut', 'bridge', 'majorities ring']);

export interface GameDayResult {
  readonly started: number;
  readonly failures: readonly string[];
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
  let started = 0;
  await Promise.all(
    steps.map(async (step) => {
      await until(t0 + step.startMs);
      if (interrupted) return;
      try {
        const active = await day.start(step);
        started++;
        await until(t0 + step.startMs + step.durationMs);
        await active.heal();
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
  return { started, failures };
}

const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
