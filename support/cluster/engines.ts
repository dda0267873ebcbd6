// Several Docker engines for one parallel run (OMNIRELAY_HYPERSCALE_ENGINES): worker i drives engine
// i mod n, and the coordinator prepares, sweeps and cleans every one of them. An engine is chosen by
// pointing this thread's DOCKER_HOST (which dockerode and testcontainers read) and engine host at it.
import type { EngineSpec, Settings } from '../settings';
import { DEFAULT_DOCKER_HOST } from './engine';
import { forgetEngineHost } from './engine-host';

/** The run's engines: the setting's, else the one engine of DOCKER_HOST. */
export function runEngines(settings: Settings, env: NodeJS.ProcessEnv = process.env): EngineSpec[] {
  return settings.engines.length > 0 ? [...settings.engines] : [{ address: env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST, host: settings.engineHost }];
}

/** The engine a worker drives; a serial run (no worker id) drives the first. */
export function engineOfWorker(engines: readonly EngineSpec[], worker: string | undefined): EngineSpec {
  return engines[Number(worker ?? 0) % engines.length]!;
}

/** Points this thread at `engine`: later engine calls, container starts and published URLs go there. */
export function useEngine(engine: EngineSpec): void {
  process.env.DOCKER_HOST = engine.address;
  process.env.OMNIRELAY_HYPERSCALE_ENGINE_HOST = engine.host;
  forgetEngineHost();
}

/** Runs `fn` against every engine in turn (never at once: each call points the thread at its engine). */
export async function forEachEngine<T>(engines: readonly EngineSpec[], fn: (engine: EngineSpec) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  if (engines.length === 0) return results;
  try {
    for (const engine of engines) {
      useEngine(engine);
      results.push(await fn(engine));
    }
  } finally {
    useEngine(engines[0]!);
  }
  return results;
}
