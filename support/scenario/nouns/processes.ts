// Process faults on nodes: crash (SIGKILL), pause (cgroup freezer), graceful stop (SIGTERM), restart.
// Every fault is a bounded window in the FaultLog, the only record of them; a crash stays open until the
// node is restarted (an open-ended fault), and "down" is read from the log.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { RelayNode } from '../../cluster/relay-node';
import { judge } from '../../checks/eventually';
import type { Duration } from '../../duration';
import { FAULT_MAX_WINDOW_MS } from './common';

/** Fault names that leave their target node unable to answer. */
const DOWN_FAULTS = new Set(['crash', 'pause', 'graceful stop']);

/** Open-ended faults that stop a node until it is restarted. */
const STOPPED = (r: { name: string; openEnded: boolean }) => r.openEnded && (r.name === 'crash' || r.name === 'graceful stop');

export class ProcessFaults {
  private readonly restartListeners: ((nodeId: string) => Promise<void>)[] = [];

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** Runs `listener` after a crashed or stopped node is started again, before the fault counts as healed. */
  onRestart(listener: (nodeId: string) => Promise<void>): void {
    this.restartListeners.push(listener);
  }

  /** Crashed or stopped by a step and not restarted yet (a bounded crash or a pause does not count). */
  isDown(nodeId: string): boolean {
    return this.ctx.faults.openNodeFaults(STOPPED).some((f) => f.node === nodeId);
  }

  /** Nodes an open fault holds down right now (crashed, stopping, paused), whichever step injected it. */
  heldDown(): Set<string> {
    return this.ctx.faults.openOnNodes(DOWN_FAULTS);
  }

  /** SIGKILL; the fault stays open until the node is restarted (by a step, or by the After hook). */
  crash(nodeId: string): Promise<void> {
    return this.stopNode('crash', nodeId, (node) => node.kill(), FAULT_MAX_WINDOW_MS, true);
  }

  /** SIGKILL now, restarted when `duration` ends (a bounded crash, as in a fault schedule). */
  crashFor(nodeId: string, duration: Duration): Promise<void> {
    return this.stopNode('crash', nodeId, (node) => node.kill(), duration.ms, false);
  }

  async crashTogether(nodeIds: readonly string[]): Promise<void> {
    await Promise.all(nodeIds.map((id) => this.crash(id)));
  }

  /** Restarts every crashed or stopped node (healing their faults) and waits for each to answer ready. */
  async restartDown(within: Duration): Promise<void> {
    await this.startAgain(this.ctx.faults.openNodeFaults(STOPPED), within);
  }

  /** Starts `nodeId` again after a crash or stop by a step, and waits until it answers ready. */
  async restart(nodeId: string, within: Duration): Promise<void> {
    const open = this.ctx.faults.openNodeFaults(STOPPED).filter((f) => f.node === nodeId);
    if (open.length === 0) throw new Error(`${nodeId} is not stopped: no crash or graceful stop by a step holds it down`);
    await this.startAgain(open, within);
  }

  private async startAgain(open: readonly { node: string; fault: { heal(): Promise<void> } }[], within: Duration): Promise<void> {
    await Promise.all(open.map(({ fault }) => fault.heal()));
    await Promise.all(
      [...new Set(open.map((f) => f.node))].map((id) =>
        this.ctx.verdicts.waitFor(
          `${id} answers ready after its restart`,
          () => this.nodes.cluster.node(id).readiness(),
          (r) => judge(r.status === 200 ? [] : [`/readyz ${r.status}`]),
          { timeoutMs: within.ms },
        ),
      ),
    );
  }

  /** Freezes the node for `duration`; the pause heals itself when the window ends. */
  async pause(nodeId: string, duration: Duration): Promise<void> {
    const node = this.nodes.cluster.node(nodeId);
    await this.ctx.faults.inject(
      'pause',
      { kind: 'node', node: nodeId },
      () => node.pause(),
      () => node.unpause(),
      duration.ms,
    );
  }

  /** SIGTERM now, started again when `duration` ends (a `graceful stop` row of a fault schedule). */
  stopGracefullyFor(nodeId: string, duration: Duration): Promise<void> {
    return this.stopNode('graceful stop', nodeId, (node) => node.terminate(), duration.ms, false);
  }

  /** SIGTERM: the node drains and releases its leases. Recorded as a fault lasting until it exits. */
  shutDownGracefully(nodeId: string): Promise<void> {
    return this.stopNode('graceful stop', nodeId, (node) => node.terminate(), FAULT_MAX_WINDOW_MS, true);
  }

  /** A fault that stops the node with `stop` and heals by starting it again (start() re-reads its published port). */
  private async stopNode(
    name: 'crash' | 'graceful stop',
    nodeId: string,
    stop: (node: RelayNode) => Promise<void>,
    boundMs: number,
    openEnded: boolean,
  ): Promise<void> {
    const node = this.nodes.cluster.node(nodeId);
    await this.ctx.faults.inject(
      name,
      { kind: 'node', node: nodeId },
      () => stop(node),
      async () => {
        await node.start();
        for (const listener of this.restartListeners) await listener(nodeId);
      },
      boundMs,
      openEnded,
    );
  }

  /** Waits until every open fault has ended; each is bounded by its own window. */
  async healed(): Promise<void> {
    await Promise.all(this.ctx.faults.open.map((f) => f.healed));
  }
}
