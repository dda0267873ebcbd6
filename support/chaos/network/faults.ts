// The handle a scenario uses: partition(spec) plans, applies (iptables in each container's netns, all
// containers in parallel) and verifies; the returned partition heals exactly what it added and verifies
// that every pair connects again. Every spec kind (groups, one-way, pairs, loss) goes through partition();
// the verification depends on the plan's mode: a reachability matrix for cuts, a rule listing plus
// connect-at-least-once for loss. Each fault owns its own chains (OHS-FAULT-1, OHS-FAULT-2 …), so
// overlapping faults heal independently.
import { assertCanPartition, DEFAULT_COMMAND_TIMEOUT_MS, NetnsGoneError, runSteps } from './iptables';
import type { LossRecord } from './loss';
import { specIds, withoutDown } from './down-members';
import { defaultPortOf, inspectMember, networkMembers } from './members';
import { DEFAULT_CHAIN, describeSpec, impairedPairs, planPartition, type ContainerPlan, type PartitionPlan } from './plan';
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  LossVerificationError,
  ReachabilityError,
  verifyHealed,
  verifyLoss,
  verifyPartition,
} from './probe';
import type { ReachabilityRecord } from './reachability';
import type { Member, PartitionSpec, PortOf } from './types';

export interface NetworkFaultsOptions {
  /** The scenario's Docker network (Cluster.network.name). */
  readonly network: string;
  /** Probe port per target member (default: 8080 for relay nodes, 2379 for etcd; see defaultPortOf). */
  readonly portOf?: PortOf;
  /** Deadline for a partition, or a heal, to show in the probe (default 5 s). */
  readonly verifyTimeoutMs?: number;
  /** One connect attempt's bound (default DEFAULT_PROBE_TIMEOUT_MS): a cut pair costs this much per probe round. */
  readonly probeTimeoutMs?: number;
  /** Bound on each iptables invocation (default 10 s). */
  readonly commandTimeoutMs?: number;
  /** Chains are named `<prefix>-<n>-IN|OUT` (default OHS-FAULT). */
  readonly chainPrefix?: string;
  /** Loss faults: connect attempts per pair before it counts as cut (default from the probability: see lossAttempts). */
  readonly lossAttempts?: number;
  /** Nodes other faults have taken down right now (crashed, stopped, paused): left out of each probe round. */
  readonly absent?: () => ReadonlySet<string>;
  /** Every member id of the cluster, running or not: one of them not running now is down, not misspelt. */
  readonly known?: () => ReadonlySet<string>;
  readonly log?: (line: string) => void;
}

/**
 * How the fault was proven in place, by `mode`: `reachability` (groups, one-way, pairs: every expected
 * pair connected and every cut pair timed out in one probe round; `matrix` shows it) or `loss` (every
 * container's rules listed and matching, every pair connected at least once; `matrix` shows at which
 * attempt). Both carry `checkedAt`, `ok`, `waitedMs`, `pairs` and `matrix`.
 */
export type PartitionVerification = ({ readonly mode: 'reachability' } & ReachabilityRecord) | LossRecord;

export interface PartitionRecord {
  /** The partition's chain base name, unique within this NetworkFaults. */
  readonly id: string;
  readonly network: string;
  readonly spec: PartitionSpec;
  readonly description: string;
  readonly startedAt: string;
  /** When the last container's rules were in place. */
  readonly appliedAt: string;
  /** Wall time of the iptables execution (all containers in parallel), and of the verification after it. */
  readonly applyMs: number;
  readonly verifyMs: number;
  /** The iptables commands that ran, per node id (nodes without rules are untouched). */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  readonly verification: PartitionVerification;
}

/** `failed` appears only in a HealError's nodes. */
export type NodeHealStatus = 'healed' | 'gone' | 'restarted' | 'failed';

export interface HealRecord {
  readonly id: string;
  readonly startedAt: string;
  readonly healedAt: string;
  readonly healMs: number;
  readonly verifyMs: number;
  /** Per node that had rules: what happened and which commands ran. */
  readonly nodes: Readonly<Record<string, { readonly status: NodeHealStatus; readonly commands: readonly string[]; readonly note?: string }>>;
  /** Members left out of the heal verification because their container is gone, and why. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  /** Pairs left out of the heal verification because another active fault still cuts them, or makes them lossy. */
  readonly stillCut: readonly string[];
  readonly verification: ReachabilityRecord;
}

export interface Partition {
  readonly id: string;
  readonly spec: PartitionSpec;
  readonly plan: PartitionPlan;
  readonly record: PartitionRecord;
  readonly healed: boolean;
  /** Removes the rules and verifies every pair connects again. Idempotent; safe after containers died. */
  heal(): Promise<HealRecord>;
}

/** Applying a partition failed; whatever was applied has been healed again (see `healOutcome`). */
export class PartitionError extends Error {
  override name = 'PartitionError';
  constructor(
    message: string,
    readonly plan: PartitionPlan,
    readonly verification?: PartitionVerification,
    readonly healOutcome?: string,
  ) {
    super(message);
  }
}

/** Removing a partition's rules failed in some containers (others were healed). */
export class HealError extends Error {
  override name = 'HealError';
  constructor(
    message: string,
    readonly nodes: HealRecord['nodes'],
  ) {
    super(message);
  }
}

/** How long the engine may take to report a killed container as down. */
const WENT_DOWN_GRACE_MS = 1_500;

export class NetworkFaults {
  private sequence = 0;
  private readonly open = new Map<string, Partition & { replan(): Promise<void> }>();

  constructor(private readonly opts: NetworkFaultsOptions) {}

  get network(): string {
    return this.opts.network;
  }

  /** Partitions applied and not yet healed. */
  get active(): readonly Partition[] {
    return [...this.open.values()];
  }

  /** The network's running members, as of now. */
  members(): Promise<Member[]> {
    return networkMembers(this.opts.network);
  }

  /**
   * Plans, applies and verifies a fault (any spec kind, loss included); on any failure heals what was
   * applied and throws a PartitionError.
   */
  async partition(spec: PartitionSpec): Promise<Partition> {
    const startedAt = new Date();
    const members = await this.members();
    const id = `${this.opts.chainPrefix ?? DEFAULT_CHAIN}-${++this.sequence}`;
    const { plan, down } = this.planOver(members, spec, id);
    const description = describeSpec(spec);
    if (down.length > 0) this.opts.log?.(`partition ${id}: ${down.join(', ')} down (another fault): cut off already; its rules go in when it comes back`);
    // A member listed a moment ago may have been crashed since (a fault starting at the same instant).
    await assertCanPartition(members, async (m) => !(await this.wentDown(m)));

    const t0 = Date.now();
    const applied = await Promise.allSettled(plan.containers.map((c) => runSteps(c.member, c.apply, this.commandTimeoutMs)));
    const applyMs = Date.now() - t0;
    const appliedAt = new Date().toISOString();
    // A member another fault took down while the rules went in (a crash overlapping the partition) is
    // cut off already; it is not a failure to apply, and the probes leave it out as absent.
    const goneNow = await Promise.all(
      applied.map(async (r, i) => r.status === 'rejected' && r.reason instanceof NetnsGoneError && (await this.wentDown(plan.containers[i]!.member))),
    );
    const failures = applied.flatMap((r, i) =>
      r.status === 'rejected' && !goneNow[i] ? [`${plan.containers[i]!.member.id}: ${(r.reason as Error).message}`] : [],
    );
    if (failures.length) {
      const healOutcome = await this.undo(plan);
      throw new PartitionError(
        `partition ${id} (${description}) could not be applied:\n  - ${failures.join('\n  - ')}\nRolled back: ${healOutcome}`,
        plan,
        undefined,
        healOutcome,
      );
    }

    const t1 = Date.now();
    let verification: PartitionVerification;
    try {
      verification = await this.verify(plan);
    } catch (e) {
      const healOutcome = await this.undo(plan);
      const record: PartitionVerification | undefined =
        e instanceof ReachabilityError ? { mode: 'reachability', ...e.record } : e instanceof LossVerificationError ? e.record : undefined;
      throw new PartitionError(
        `partition ${id} (${description}) was applied but did not take effect:\n${(e as Error).message}\nRolled back: ${healOutcome}`,
        plan,
        record,
        healOutcome,
      );
    }
    const verifyMs = Date.now() - t1;
    const record: PartitionRecord = {
      id,
      network: this.opts.network,
      spec,
      description,
      startedAt: startedAt.toISOString(),
      appliedAt,
      applyMs,
      verifyMs,
      commands: Object.fromEntries(
        plan.containers.map((c, i) => {
          const r = applied[i]!;
          return [c.member.id, r.status === 'fulfilled' ? r.value : ['(container went down while the rules went in: nothing to apply)']];
        }),
      ),
      verification,
    };
    this.opts.log?.(`partition ${id} (${description}): applied in ${applyMs} ms, verified in ${verifyMs} ms`);

    let healing: Promise<HealRecord> | undefined;
    let healed = false;
    let current = plan;
    // Applying again and healing never interleave: a heal that started while rules went in again would
    // leave them behind. Once a heal is asked for, no more applying.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const next = queue.then(work, work);
      queue = next.catch(() => undefined);
      return next;
    };
    const partition = {
      id,
      spec,
      get plan() {
        return current;
      },
      record,
      get healed() {
        return healed;
      },
      // A member came back with a new network namespace: plan again over the members up now and apply
      // every container's rules (idempotent: chains are created if missing, flushed and refilled).
      replan: () =>
        serial(async () => {
          if (healing) return;
          const next = this.planOver(await this.members(), spec, id).plan;
          const applied = await Promise.allSettled(next.containers.map((c) => runSteps(c.member, c.apply, this.commandTimeoutMs)));
          const failed = applied.flatMap((r, i) =>
            r.status === 'rejected' && !(r.reason instanceof NetnsGoneError) ? [`${next.containers[i]!.member.id}: ${(r.reason as Error).message}`] : [],
          );
          current = next;
          this.opts.log?.(
            `partition ${id}: applied again over ${next.containers.length} members after a member came back${failed.length ? `; failed on ${failed.join('; ')}` : ''}`,
          );
          if (failed.length) throw new PartitionError(`partition ${id} could not be applied again:\n  - ${failed.join('\n  - ')}`, next);
        }),
      heal: () => {
        healing ??= serial(() => this.heal(current)).then(
          (r) => {
            healed = true;
            this.open.delete(id);
            return r;
          },
          (e: unknown) => {
            healing = undefined; // a failed heal may be retried
            throw e;
          },
        );
        return healing;
      },
    };
    this.open.set(id, partition);
    return partition;
  }

  /**
   * Whether `member`, whose namespace just vanished, went down (crashed or stopped, maybe by a fault that
   * started at the same instant) rather than being invisible from this host. The engine notices a killed
   * process a moment after the kernel does, so its state is polled briefly before concluding.
   */
  private async wentDown(member: Member): Promise<boolean> {
    const deadline = Date.now() + WENT_DOWN_GRACE_MS;
    for (;;) {
      if (this.opts.absent?.().has(member.id)) return true;
      const now = await inspectMember(member.containerId, this.opts.network);
      if (now.kind === 'gone' || now.member.pid !== member.pid) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * A member came back (restarted after a crash or a stop): every open partition that names it is applied
   * again, so it is cut off as the partition says for the rest of its window.
   */
  async rejoin(nodeId: string): Promise<void> {
    for (const partition of this.open.values()) {
      if (!partition.healed && specIds(partition.spec).includes(nodeId)) await partition.replan();
    }
  }

  /**
   * The plan over the members up now. Cluster members whose container is not running are left out (cut
   * off already; `rejoin` applies the rules when they are back). Other unknown ids stay in, so a misspelt
   * id still fails the plan.
   */
  private planOver(members: readonly Member[], spec: PartitionSpec, chain: string): { plan: PartitionPlan; down: string[] } {
    const running = new Set(members.map((m) => m.id));
    const heldDown = this.opts.absent?.() ?? new Set<string>();
    const known = this.opts.known?.() ?? new Set<string>();
    // Held down by a fault, or a cluster member the engine already shows stopped (a crash at the same
    // instant may not be in the fault log yet).
    const down = specIds(spec).filter((id) => !running.has(id) && (heldDown.has(id) || known.has(id)));
    const planned = withoutDown(spec, new Set(down));
    const plan: PartitionPlan = planned
      ? planPartition(members, planned, { chain })
      : { spec, verify: { mode: 'reachability' }, chain, members: [...members], containers: [], expectations: [] };
    return { plan, down };
  }

  /** Proves the plan in place, the way its mode says. */
  private async verify(plan: PartitionPlan): Promise<PartitionVerification> {
    const except = this.impairedByOthers(plan);
    if (plan.verify.mode === 'loss') {
      return verifyLoss(plan, {
        portOf: this.opts.portOf ?? defaultPortOf,
        probeTimeoutMs: this.opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
        commandTimeoutMs: this.commandTimeoutMs,
        ...(this.opts.lossAttempts !== undefined ? { attempts: this.opts.lossAttempts } : {}),
        except,
      });
    }
    return { mode: 'reachability', ...(await verifyPartition(plan, { ...this.verifyOptions(), except })) };
  }

  /**
   * Ordered pairs that active faults other than `plan` cut, or make lossy: neither can be expected to
   * connect in a single probe round. (A lossy pair still connects, but not reliably at every probe.)
   */
  private impairedByOthers(plan: PartitionPlan): { from: string; to: string; by: string }[] {
    return this.active
      .filter((p) => p.plan !== plan)
      .flatMap((p) => impairedPairs(p.plan).map((e) => ({ from: e.from, to: e.to, by: e.how === 'lossy' ? `${p.id}, lossy` : p.id })));
  }

  private get commandTimeoutMs(): number {
    return this.opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  private verifyOptions() {
    return {
      portOf: this.opts.portOf ?? defaultPortOf,
      timeoutMs: this.opts.verifyTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
      probeTimeoutMs: this.opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      ...(this.opts.absent ? { absent: this.opts.absent } : {}),
    };
  }

  private async heal(plan: PartitionPlan): Promise<HealRecord> {
    const startedAt = new Date();
    const t0 = Date.now();
    const nodes = await this.removeRules(plan.containers);
    const failed = Object.entries(nodes).filter(([, n]) => n.error);
    if (failed.length) {
      throw new HealError(
        `healing partition ${plan.chain} failed on ${failed.map(([id]) => id).join(', ')}:\n  - ${failed.map(([, n]) => n.error).join('\n  - ')}`,
        stripErrors(nodes),
      );
    }
    const healMs = Date.now() - t0;

    // Verify among the members still running, as they are now (a restarted container has a new pid and maybe IP).
    const states = await Promise.all(plan.members.map((m) => inspectMember(m.containerId, this.opts.network)));
    const live = states.flatMap((s) => (s.kind === 'running' ? [s.member] : []));
    const skipped = states.flatMap((s, i) => (s.kind === 'gone' ? [{ id: plan.members[i]!.id, reason: s.reason }] : []));
    // Pairs that another active fault still cuts (or makes lossy) are not expected back yet.
    const stillCut = this.impairedByOthers(plan);
    const t1 = Date.now();
    const verification = await verifyHealed(live, { ...this.verifyOptions(), except: stillCut });
    const verifyMs = Date.now() - t1;
    this.opts.log?.(
      `partition ${plan.chain}: healed in ${healMs} ms, verified in ${verifyMs} ms${skipped.length ? ` (skipped: ${skipped.map((s) => s.id).join(', ')})` : ''}`,
    );
    return {
      id: plan.chain,
      startedAt: startedAt.toISOString(),
      healedAt: new Date(t0 + healMs).toISOString(),
      healMs,
      verifyMs,
      nodes: stripErrors(nodes),
      skipped,
      stillCut: stillCut.map((c) => `${c.from} → ${c.to} (${c.by})`),
      verification,
    };
  }

  /** Runs every container's heal steps against its current process; containers that are gone need none. */
  private async removeRules(containers: readonly ContainerPlan[]) {
    type NodeOutcome = { status: NodeHealStatus; commands: string[]; note?: string; error?: string };
    const outcomes = await Promise.all(
      containers.map(async (c): Promise<[string, NodeOutcome]> => {
        const gone = (reason: string): [string, NodeOutcome] => [
          c.member.id,
          { status: 'gone', commands: [], note: `${reason}; its rules went with its network namespace` },
        ];
        try {
          const state = await inspectMember(c.member.containerId, this.opts.network);
          if (state.kind === 'gone') return gone(state.reason);
          const restarted = state.member.pid !== c.member.pid;
          try {
            const commands = await runSteps(state.member, c.heal, this.commandTimeoutMs);
            return [
              c.member.id,
              restarted
                ? {
                    status: 'restarted',
                    commands,
                    note: `container restarted during the partition (pid ${c.member.pid} → ${state.member.pid}): its rules were already gone with the old namespace`,
                  }
                : { status: 'healed', commands },
            ];
          } catch (e) {
            if (!(e instanceof NetnsGoneError)) throw e;
            const again = await inspectMember(c.member.containerId, this.opts.network);
            if (again.kind === 'gone') return gone(again.reason);
            throw e;
          }
        } catch (e) {
          return [c.member.id, { status: 'failed', commands: [], error: `${c.member.id}: ${(e as Error).message}` }];
        }
      }),
    );
    return Object.fromEntries(outcomes);
  }

  /** Best-effort rollback of a failed apply: a one-line outcome for the error message. */
  private async undo(plan: PartitionPlan): Promise<string> {
    const nodes = await this.removeRules(plan.containers);
    const errors = Object.values(nodes).flatMap((n) => (n.error ? [n.error] : []));
    return errors.length
      ? `rollback FAILED on some nodes (rules may remain):\n  - ${errors.join('\n  - ')}`
      : `rules removed from ${Object.keys(nodes).join(', ') || 'no node'}`;
  }
}

function stripErrors<T extends { error?: string }>(nodes: Record<string, T>): Record<string, Omit<T, 'error'>> {
  return Object.fromEntries(Object.entries(nodes).map(([id, { error: _error, ...rest }]) => [id, rest]));
}
