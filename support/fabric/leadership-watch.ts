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

  /** Why node-reported instants are no longer trusted (undefined while they are). */
  private distrusted: string | undefined;

  start(): void {
    for (const node of this.nodes) {
      void streamLeadership(
        () => node.url,
        (e) => {
          // Received now: with node clocks distrusted, the event happened when the suite saw it.
          const receivedAtMs = this.clock.nowMs();
          this.observations.push(observationFrom(node.id, e, this.distrusted ? () => receivedAtMs : (wall) => this.clock.fromWall(wall)));
        },
        this.stopped.signal,
      );
    }
    void this.poll();
  }

  /**
   * From now on, judge on the suite's own observation times, never the instants nodes report (a skewed
   * clock's issuedAt, expiresAt, occurredAt): a poll naming its own node holder is a claim at the poll's
   * time, an event happened when it arrived. Kept for the rest of the scenario, so that nothing recorded
   * while a clock lied is read as truth later.
   */
  distrustNodeClocks(why: string): void {
    this.distrusted ??= why;
  }

  /** Whether node-reported instants are still taken as times on the scenario clock. */
  get nodeClocksTrusted(): boolean {
    return this.distrusted === undefined;
  }

  stop(): void {
    this.stopped.abort();
  }

  /** One poll loop per node, so a node that does not answer (paused, dead) delays only its own loop. */
  private async poll(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        while (!this.stopped.signal.aborted) {
          const atMs = this.clock.nowMs();
          const view = await node.leaders().catch(() => undefined);
          const toMs = this.distrusted ? undefined : (wall: string) => this.clock.fromWall(wall);
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
