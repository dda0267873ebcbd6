// Chained faults: a schedule from a data table (support/chaos/schedule.ts) run on the scenario clock,
// each fault through the noun that owns it, overlapping as written; the step ends when every fault has
// healed (each is bounded by its own window).
import type { ScenarioContext } from '../context';
import type { ProcessFaults } from './processes';
import type { LinkFaults } from './links';
import type { NetworkChaos } from './network';
import type { Members } from './members';
import type { ClockFaults } from './clocks';
import type { MembershipSurges } from './surges';
import { describeSchedule, parseSchedule, SCHEDULE_HEADER, sideRows, type ScheduleEntry } from '../../chaos/schedule';
import { attachJson } from '../../evidence/attach';
import { Duration } from '../../duration';
import { describeMember, memberOf, type Member } from '../../members';

export class ChaosSchedule {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly processes: ProcessFaults,
    private readonly links: LinkFaults,
    private readonly network: NetworkChaos,
    private readonly members: Members,
    private readonly clocks: ClockFaults,
    private readonly surges: MembershipSurges,
  ) {}

  /**
   * A crash with a window, by a step (`"east-3" crashes for 8 seconds`): a one-row schedule, so it behaves
   * exactly as the same row in a table (killed now, restarted at the window's end). Returns once the
   * crash took effect, as the other single-fault steps do; `the faults have healed` waits for the restart.
   */
  async crashFor(member: Member, duration: Duration): Promise<void> {
    await this.begin(parseSchedule([SCHEDULE_HEADER, ['crash', describeMember(member), '0 s', `${duration.ms} ms`]]));
  }

  /** Runs the schedule and waits until every fault has healed. */
  async run(entries: readonly ScheduleEntry[]): Promise<void> {
    await this.begin(entries);
    await this.processes.healed();
  }

  /** Starts every fault at its offset; returns once the last has started (each heals at the end of its own window). */
  async begin(entries: readonly ScheduleEntry[]): Promise<void> {
    const plan = describeSchedule(entries);
    for (const line of plan) this.ctx.log(`fault plan ${line}`);
    await attachJson(this.ctx.evidence, 'fault-schedule', { plan, entries });
    const t0 = this.ctx.clock.nowMs();
    await Promise.all(
      entries.map(async (e) => {
        const wait = t0 + e.startMs - this.ctx.clock.nowMs();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait)); // the schedule's own timing, not a sync wait
        await this.start(e);
      }),
    );
  }

  private async start(e: ScheduleEntry): Promise<void> {
    const duration = new Duration(e.durationMs);
    const f = e.fault;
    switch (f.kind) {
      case 'latency':
        return this.links.degrade(
          f.link,
          { type: 'latency', attributes: { latency: f.latencyMs, jitter: f.jitterMs }, describe: `${f.latencyMs} ms ± ${f.jitterMs} ms latency` },
          duration,
        );
      case 'bandwidth':
        return this.links.degrade(f.link, { type: 'bandwidth', attributes: { rate: f.kbPerSecond }, describe: `bandwidth ${f.kbPerSecond} KB/s` }, duration);
      case 'resets':
        return this.links.degrade(f.link, { type: 'reset_peer', attributes: { timeout: 0 }, describe: 'connection resets' }, duration);
      case 'timeouts':
        // timeout 0: data is dropped and the connection held until the toxic is removed (Toxiproxy's semantics).
        return this.links.degrade(f.link, { type: 'timeout', attributes: { timeout: 0 }, describe: 'connection timeouts' }, duration);
      case 'partition':
        return this.network.split(sideRows(f.sides), duration);
      case 'one-way': {
        const [from, to] = sideRows(f.sides);
        return this.network.oneWay(
          [
            { ...from!, name: 'from' },
            { ...to!, name: 'to' },
          ],
          duration,
        );
      }
      case 'loss':
        return this.network.loss(sideRows(f.sides), f.percent, duration);
      case 'crash':
        // "the global leader" crashed here is remembered as deposed, as by the crash steps.
        return this.processes.crashFor(await this.members.toTakeDown(memberOf(f.node, 'fault schedule')), duration);
      case 'pause':
        return this.processes.pause(await this.members.one(f.node), duration);
      case 'graceful stop':
        return this.processes.stopGracefullyFor(await this.members.toTakeDown(memberOf(f.node, 'fault schedule')), duration);
      case 'surge':
        // Returns once they have joined; they stay for the window, then leave one a second.
        return void (await this.surges.start(f.region, f.count, new Duration(1_000), duration));
      case 'clock':
        return this.clocks.skew(await this.members.one(f.node), f, duration);
    }
  }
}
