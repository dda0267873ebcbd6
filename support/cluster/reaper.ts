// Teardown off the critical path. A scenario's containers cannot be removed together (Docker 20.10's
// libnetwork deadlocks when containers of one network exit at once, see engine.ts), so removing them one
// at a time took about 9 s per scenario, a third of the suite. Instead the scenario's containers are
// frozen at once (the cgroup freezer touches no network, so they stop using CPU and stop talking
// without any of them exiting) and handed to this reaper, which removes them one at a time, scenario
// after scenario, while the next scenario runs. The run waits for it before it ends (AfterAll); Ctrl-C
// removes the whole run by label as before, and the next run's sweep removes whatever a killed run left.
import { docker } from './engine';
import { LABEL, RUN } from './labels';
import { removeScenario, type Removed } from './teardown';

export interface Reaped extends Removed {
  readonly scenarioId: string;
  /** From being handed over to the last removal. */
  readonly ms: number;
}

/** What the reaper does to a scenario's containers: the engine's calls, or stand-ins in its unit test. */
export interface ReaperOps {
  readonly freeze: (scenarioId: string) => Promise<void>;
  readonly remove: (scenarioId: string) => Promise<Removed>;
  readonly log: (line: string) => void;
}

const ENGINE_OPS: ReaperOps = { freeze, remove: removeScenario, log: (line) => process.stderr.write(`[hyperscale] ${line}\n`) };

export class Reaper {
  private queue: Promise<void> = Promise.resolve();
  private readonly failures: string[] = [];
  readonly reaped: Reaped[] = [];

  constructor(private readonly ops: ReaperOps = ENGINE_OPS) {}

  /**
   * Freezes the scenario's running containers, then queues their removal and returns: the removal runs
   * behind the next scenario. A container that cannot be frozen is left running; removal kills it anyway.
   */
  async hand(scenarioId: string): Promise<void> {
    const handed = Date.now();
    await this.ops.freeze(scenarioId).catch((e: Error) => this.ops.log(`freezing ${scenarioId}: ${e.message} (removal goes on)`));
    this.queue = this.queue.then(async () => {
      try {
        const removed = await this.ops.remove(scenarioId);
        this.reaped.push({ scenarioId, ms: Date.now() - handed, ...removed });
      } catch (error) {
        // A stuck engine marks itself wedged (teardown.ts): the next start fails with the fix.
        this.failures.push(`${scenarioId}: ${(error as Error).message}`);
        this.ops.log(`removing ${scenarioId} in the background failed: ${(error as Error).message}; the run's end removes what is left`);
      }
    });
  }

  /** Resolves when everything handed so far is removed; what failed is returned, not thrown. */
  async drain(): Promise<{ reaped: readonly Reaped[]; failures: readonly string[] }> {
    await this.queue;
    return { reaped: this.reaped, failures: this.failures };
  }
}

async function freeze(scenarioId: string): Promise<void> {
  const running = await docker().listContainers({ filters: { label: [`${LABEL.run}=${RUN.id}`, `${LABEL.scenario}=${scenarioId}`], status: ['running'] } });
  await Promise.all(
    running.map((c) =>
      docker()
        .getContainer(c.Id)
        .pause()
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404 && e.statusCode !== 409) throw e; // gone, or not running any more
        }),
    ),
  );
}

/** The run's reaper: scenarios hand their containers to it; AfterAll drains it. */
export const reaper = new Reaper();
