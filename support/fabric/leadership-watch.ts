// Watches leadership for a scenario's whole life: every node's event stream and a poll of every node's
// /control/leaders, both recorded on the scenario clock. The checkers and the timeline read the records.
import type { RelayNode } from '../cluster/relay-node';
import type { ScenarioClock } from '../checks/history';
import { snapshotFrom, type LeadersSnapshot } from '../checks/leadership-checkers';
import { observationFrom, type LeadershipObservation } from '../checks/leadership-history';
import { streamLeadership } from './leadership-stream';

export class LeadershipWatch {
  readonly observations: LeadershipObservation[] = [];
  readonly snapshots: LeadersSnapshot[] = [];
  private readonly stopped = new AbortController();

  constructor(
    private readonly nodes: readonly RelayNode[],
    private readonly clock: ScenarioClock,
    private readonly pollIntervalMs = 250,
  ) {}

  start(): void {
    const toMs = (wall: string) => this.clock.fromWall(wall);
    for (const node of this.nodes) {
      void streamLeadership(
        () => node.url,
        (e) => this.observations.push(observationFrom(node.id, e, toMs)),
        this.stopped.signal,
      );
    }
    void this.poll(toMs);
  }

  stop(): void {
    this.stopped.abort();
  }

  /** One poll loop per node, so a node that does not answer (paused, dead) delays only its own loop. */
  private async poll(toMs: (wall: string) => number): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        while (!this.stopped.signal.aborted) {
          const atMs = this.clock.nowMs();
          const view = await node.leaders().catch(() => undefined);
          if (view && !this.stopped.signal.aborted) this.snapshots.push(snapshotFrom(node.id, atMs, view.tokens, toMs));
          await new Promise((r) => setTimeout(r, this.pollIntervalMs));
        }
      }),
    );
  }

  /** What each node said most recently (within `freshMs`), for "who leads now" questions. */
  latest(freshMs = 1_500): LeadersSnapshot[] {
    const now = this.clock.nowMs();
    const byObserver = new Map<string, LeadersSnapshot>();
    for (const snap of this.snapshots) if (now - snap.atMs <= freshMs) byObserver.set(snap.observer, snap);
    return [...byObserver.values()];
  }
}
