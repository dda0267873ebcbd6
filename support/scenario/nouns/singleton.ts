// The cluster singleton task (relay-node extension feature:mesh-singleton): every node's
// GET /control/singleton polled on the suite's clock for the whole scenario, the runner taken down, and
// the judgement from those observations and the task's record (checks/singleton.ts).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { NetworkChaos } from './network';
import type { ProcessFaults } from './processes';
import { judge } from '../../checks/eventually';
import { type SingletonObservation, type SingletonRecord, singletonProblems } from '../../checks/singleton';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';
import { finalReads } from './final-reads';

const POLL_MS = 150;

export class SingletonTask {
  private readonly observations: SingletonObservation[] = [];
  private poller: NodeJS.Timeout | undefined;
  private key: string | undefined;
  /** The node last seen as the only runner. */
  private runner: string | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly network: NetworkChaos,
    private readonly processes: ProcessFaults,
  ) {}

  /** Polls every node (down ones simply do not answer) every 150 ms until the scenario ends. */
  watch(): void {
    if (this.poller) return;
    const round = async () => {
      await Promise.all(
        this.nodes.cluster.relayNodes.map(async (node) => {
          const requestMs = this.ctx.clock.nowMs();
          const view = await node.singletonStatus().catch(() => undefined);
          if (!view) return;
          this.key = view.key;
          this.observations.push({
            node: node.id,
            requestMs,
            responseMs: this.ctx.clock.nowMs(),
            running: view.running,
            ...(view.fence === undefined ? {} : { fence: view.fence }),
          });
        }),
      );
    };
    let busy = false;
    this.poller = setInterval(() => {
      if (busy) return;
      busy = true;
      void round().finally(() => (busy = false));
    }, POLL_MS);
    this.ctx.defer(() => clearInterval(this.poller));
  }

  /** Waits until the latest answers show exactly one runner, and (with `elsewhere`) not the previous one. */
  async expectOneRunner(within: Duration, elsewhere: boolean): Promise<void> {
    if (!this.poller) throw new Error('the singleton task is not watched: add "Given the singleton task is watched on every node" first');
    const before = this.runner;
    if (elsewhere && !before) throw new Error('no runner was seen yet: add "Then within … the singleton task runs on exactly one node" first');
    const runner = await this.ctx.verdicts.within(
      `the singleton task runs on exactly one node${elsewhere ? `, not ${before}` : ''}`,
      async () => this.latestRunners(),
      (running) =>
        judge(
          running.length !== 1
            ? [`running on ${running.length === 0 ? 'no node' : running.join(', ')}`]
            : elsewhere && running[0] === before
              ? [`still running on ${before}`]
              : [],
        ),
      { timeoutMs: within.ms, intervalMs: POLL_MS },
    );
    this.runner = runner[0];
    this.ctx.log(`the singleton task runs on ${this.runner}`);
  }

  async isolateRunner(duration: Duration): Promise<void> {
    await this.network.isolate(this.current(), duration);
  }

  async crashRunner(): Promise<void> {
    await this.processes.crash(this.current());
  }

  /** No two runners overlapped in the suite's observations; the record's fences rose; its tenures add up. */
  async expectNeverTwice(): Promise<void> {
    clearInterval(this.poller);
    const key = this.key ?? 'singleton/heartbeat';
    await finalReads(this.ctx, this.nodes, 'singleton::status', [{ key }]);
    const final = this.ctx.history.ops.findLast((o) => o.f === 'singleton::status' && o.outcome === 'ok');
    const record = final?.result as SingletonRecord | undefined;
    await attachJson(this.ctx.evidence, 'singleton-observations', this.observations);
    const { problems, detail } = singletonProblems(this.observations, record, { minimumTenures: 3 });
    await this.ctx.verdicts.now('the singleton task never ran on two nodes at once, fences rising', problems, { ...detail, history: record?.history });
  }

  private current(): string {
    if (!this.runner) throw new Error('no runner of the singleton task was seen yet: add "Then within … the singleton task runs on exactly one node" first');
    return this.runner;
  }

  /** The nodes whose latest answer said running. */
  private latestRunners(): string[] {
    const latest = new Map<string, SingletonObservation>();
    for (const o of this.observations) latest.set(o.node, o);
    const down = new Set(this.nodes.cluster.relayNodes.map((n) => n.id).filter((id) => !this.nodes.liveNodes().some((n) => n.id === id)));
    return [...latest.values()].filter((o) => o.running && !down.has(o.node)).map((o) => o.node);
  }
}
