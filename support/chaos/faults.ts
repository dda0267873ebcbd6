// The fault log: every fault injected in a scenario, with its window on the scenario clock. Each fault is
// bounded (a deadline after which it heals itself) and healable; the After hook heals whatever is still
// active, also when the scenario failed, so nothing outlives its scenario. Each start and heal is also
// an op of the nemesis in the scenario's history (Jepsen's nemesis ops), which checkers read.
import { NEMESIS, type NemesisValue, type OpHistory } from '../checks/history';
import type { FaultWindow } from '../evidence/timeline-svg';

/**
 * What a fault acts on, structured so that questions about it ("is this node held down?", "which nodes
 * were cut off, and when?") are answered from the log itself rather than from a label. `target`, the
 * label, is derived from it for the timeline and messages.
 */
export type FaultSubject =
  | { readonly kind: 'node'; readonly node: string }
  /** Network faults between named groups of nodes (partition sides, one-way from/to, lossy pairs). */
  | { readonly kind: 'groups'; readonly groups: Readonly<Record<string, readonly string[]>>; readonly label?: string }
  /** Proxied links, by the words the step used (`region "west"`, `between "east" and "west"`). */
  | { readonly kind: 'link'; readonly where: string };

/** The label a subject is shown by: `n3`, `isolated: n1 | rest: n2 n3`, or the link's words. */
export function describeSubject(subject: FaultSubject): string {
  if (subject.kind === 'node') return subject.node;
  if (subject.kind === 'link') return subject.where;
  return (
    subject.label ??
    Object.entries(subject.groups)
      .map(([name, ids]) => `${name}: ${ids.join(' ')}`)
      .join(' | ')
  );
}

export interface FaultRecord extends Omit<FaultWindow, 'endMs'> {
  readonly id: number;
  readonly subject: FaultSubject;
  /** The window the fault was given (it heals itself when it runs out). */
  readonly boundMs: number;
  /** Lasts until a step heals it (a crash, until the node is restarted); `boundMs` is then only its safety bound. */
  readonly openEnded: boolean;
  endMs?: number;
  /** Who ended it: the scenario (a step or the fault's own deadline) or the After hook. */
  healedBy?: 'scenario' | 'deadline' | 'after-hook';
  healError?: string;
}

type HealedBy = NonNullable<FaultRecord['healedBy']>;

export interface ActiveFault {
  readonly record: FaultRecord;
  /** Ends the fault now (idempotent); resolves when healed. */
  heal(): Promise<void>;
  /** Resolves when the fault has ended, however it ended. */
  readonly healed: Promise<void>;
}

export class FaultLog {
  private readonly records: FaultRecord[] = [];
  private readonly active = new Map<number, { fault: ActiveFault; end: (by: HealedBy) => Promise<void> }>();
  private lastId = 0;

  constructor(private readonly history: OpHistory) {}

  private get clock() {
    return this.history.clock;
  }

  get all(): readonly FaultRecord[] {
    return this.records;
  }

  /** Faults not yet ended. */
  get open(): ActiveFault[] {
    return [...this.active.values()].map((a) => a.fault);
  }

  get anyInjected(): boolean {
    return this.records.length > 0;
  }

  /** Scenario-clock time at which the last fault ended (undefined while one is active or none ran). */
  get lastHealedMs(): number | undefined {
    if (this.active.size > 0 || this.records.length === 0) return undefined;
    return Math.max(...this.records.map((r) => r.endMs ?? 0));
  }

  /**
   * Applies a fault and returns its handle. `maxWindowMs` bounds it: after that long it heals itself.
   * `openEnded` faults are meant to last until a step heals them, within that bound. `heal` must be safe
   * to call on a target that has since died.
   */
  async inject(
    name: string,
    subject: FaultSubject,
    apply: () => Promise<void>,
    heal: () => Promise<void>,
    maxWindowMs: number,
    openEnded = false,
  ): Promise<ActiveFault> {
    // The window opens once the fault is in effect (a partition is applied and verified), not when asked.
    const id = ++this.lastId;
    const target = describeSubject(subject);
    const op = (f: 'start' | 'stop') => ({ process: NEMESIS, f, target, value: { fault: name, id, subject } satisfies NemesisValue });
    await this.history.record(op('start'), apply, () => ({ outcome: 'info' }));
    const record: FaultRecord = { id, name, subject, target, boundMs: maxWindowMs, openEnded, startMs: this.clock.nowMs() };
    this.records.push(record);
    let resolveHealed!: () => void;
    const healed = new Promise<void>((r) => (resolveHealed = r));
    let healing: Promise<void> | undefined;
    const end = (by: HealedBy) => {
      healing ??= this.history
        .record(op('stop'), heal, () => ({ outcome: 'info' }))
        .catch((e: Error) => {
          record.healError = e.message;
        })
        .finally(() => {
          clearTimeout(timer);
          record.endMs = this.clock.nowMs();
          record.healedBy = by;
          this.active.delete(record.id);
          resolveHealed();
        });
      return healing;
    };
    const timer = setTimeout(() => void end('deadline'), maxWindowMs);
    const fault: ActiveFault = { record, heal: () => end('scenario'), healed };
    this.active.set(record.id, { fault, end });
    return fault;
  }

  /** Nodes an open fault of one of `names` acts on right now. */
  openOnNodes(names: ReadonlySet<string>): Set<string> {
    return new Set(this.openNodeFaults((r) => names.has(r.name)).map((f) => f.node));
  }

  /** Open faults on single nodes that `where` selects, with the node each acts on. */
  openNodeFaults(where: (record: FaultRecord) => boolean): { node: string; fault: ActiveFault }[] {
    return this.open.flatMap((f) => (f.record.subject.kind === 'node' && where(f.record) ? [{ node: f.record.subject.node, fault: f }] : []));
  }

  /** Heals every active fault (After hook); returns what it healed. */
  async healAll(): Promise<FaultRecord[]> {
    const open = [...this.active.values()];
    await Promise.all(open.map((f) => f.end('after-hook')));
    return open.map((f) => f.fault.record);
  }
}
