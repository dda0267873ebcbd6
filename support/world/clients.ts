// Background clients calling one procedure on every node in turn, and the checks over what they saw.
import type { HyperscaleWorld } from '../world';
import { BackgroundClients } from '../fabric/clients';
import { eventually, judge } from '../checks/eventually';
import { uniqueIdsProblems } from '../checks/unique-ids';
import type { Duration } from '../parameter-types';

export class ClientVerbs {
  private clients: BackgroundClients | undefined;

  constructor(private readonly world: HyperscaleWorld) {}

  /** Starts `clients` background clients calling `procedure` on every node in turn (bounded to 5 minutes). */
  start(procedure: string, clients: number, body?: unknown): void {
    if (this.clients) throw new Error('clients are already running; stop them first');
    this.clients = new BackgroundClients(() => this.world.cluster.relayNodes, this.world.history, { procedure, clients, intervalMs: 50, maxRunMs: 300_000, body });
  }

  async stop(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    await clients?.stop();
  }

  /** Waits until at least `count` calls of `procedure` have been acknowledged, so a fault hits a loaded cluster. */
  async expectAcknowledged(procedure: string, count: number, within: Duration): Promise<void> {
    await eventually(
      `at least ${count} ${procedure} calls are acknowledged`,
      async () => this.world.history.ops.filter((o) => o.f === procedure).map((o) => o.outcome ?? 'pending'),
      (outcomes) => judge(outcomes.filter((o) => o === 'ok').length >= count ? [] : [`${outcomes.filter((o) => o === 'ok').length} acknowledged of ${outcomes.length} calls`]),
      { timeoutMs: within.ms },
    );
  }

  /** Every acknowledged `sequence::next` returned a distinct value (and enough were acknowledged to matter). */
  async expectSequenceNeverRepeated(minimumAcknowledged: number): Promise<void> {
    const ops = this.world.history.ops.filter((o) => o.f === 'sequence::next');
    const result = uniqueIdsProblems(ops, (o) => (o.result as { value?: number } | undefined)?.value, minimumAcknowledged);
    this.world.log(`sequence: ${result.acknowledged} acknowledged of ${ops.length} calls`);
    await this.world.verdict('sequence never repeats', result.problems, { acknowledged: result.acknowledged, calls: ops.length, duplicates: result.duplicates });
  }
}
